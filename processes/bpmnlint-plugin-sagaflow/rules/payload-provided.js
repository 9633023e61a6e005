'use strict';

const {
  is, rule, inputs, processProperty, stepsAndSubSagas, isStepOrSubSaga, ancestors, maySetVariables,
  elementVariable, payloadVariables, resultVariables, startVariables
} = require('../lib/saga');

// A payload variable nobody set is sent as null, and the participant refuses the command or, worse,
// acts on it. Only for a process that declares its start variables (extension property
// sagaflow.startVariables): every payload variable of a step is then a start variable, a
// multi-instance variable, or a result variable of a step or sub-saga before it.
//
// Where something else before the step may set variables (a wait, a script, a service task that is
// not a step) or the step is in an event subprocess, a miss is uncertain: the service logs it as a
// warning, and the lint leaves it out unless the rule's config asks for it,
//   "sagaflow/payload-provided": [ "error", { "reportUncertain": true } ],
// which reports it at the rule's severity (bpmnlint has one per rule), its message marked "not sure".
const MULTI_INSTANCE_VARIABLES = [ 'loopCounter', 'nrOfInstances', 'nrOfActiveInstances', 'nrOfCompletedInstances' ];

module.exports = rule((saga, report, config) => {
  const start = startVariables(processProperty(saga.process, 'sagaflow.startVariables'));
  if (start === null) {
    return;
  }
  for (const step of stepsAndSubSagas(saga)) {
    const provided = new Set([ ...start, ...MULTI_INSTANCE_VARIABLES ]);
    let uncertain = false;
    for (const ancestor of [ ...ancestors(saga, step) ].map(saga.byId).filter(Boolean)) {
      if (isStepOrSubSaga(ancestor)) {
        resultVariables(inputs(ancestor).get('resultVariables')).forEach(variable => provided.add(variable));
      } else if (maySetVariables(ancestor)) {
        uncertain = true;
      }
      if (elementVariable(ancestor) !== undefined) {
        provided.add(elementVariable(ancestor));
      }
    }
    for (let around = step; around && !is(around, 'bpmn:Process'); around = saga.containerOf.get(around)) {
      if (elementVariable(around) !== undefined) {
        provided.add(elementVariable(around));
      }
      // An event subprocess may start after any part of the saga: what came before is unknown.
      uncertain = uncertain || around.triggeredByEvent === true;
    }
    if (uncertain && !config.reportUncertain) {
      continue;
    }
    for (const variable of payloadVariables(inputs(step).get('payloadVariables'))) {
      if (!provided.has(variable)) {
        report(step, "payload variable '" + variable + "' is provided by neither the start (sagaflow.startVariables: "
          + start.join(',') + ') nor the result variables of a step before this one: it would be sent as null. '
          + "Declare it as a start variable, or map it from an earlier step's result"
          + (uncertain ? ' (not sure: something before this step may set it)' : ''));
      }
    }
  }
});
