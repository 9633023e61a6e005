'use strict';

const { camunda, rule, stepsAndSubSagas, hasCompensationBoundary } = require('../lib/saga');

// The 'Saga step' and 'Sub-saga' templates promise that what the step does is undone when the saga
// compensates; without a compensation boundary event nothing would undo it, and the saga would end
// "compensated" with the booking still there.
const TEMPLATES_WITH_UNDO = [ 'io.sagaflow.SagaStep', 'io.sagaflow.SubSaga' ];

module.exports = rule((saga, report) => {
  for (const step of stepsAndSubSagas(saga)) {
    const template = camunda(step, 'modelerTemplate');
    if (TEMPLATES_WITH_UNDO.includes(template) && !step.isForCompensation && !hasCompensationBoundary(saga, step)) {
      report(step, "this step's template (" + template + ') promises that what it does is undone when the saga '
        + 'compensates, but no compensation boundary event is attached to it. Attach one and associate it with a '
        + "task of the 'Saga compensation' template");
    }
  }
});
