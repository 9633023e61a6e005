'use strict';

const { is, rule, inputs, stepsAndSubSagas, editDistance } = require('../lib/saga');

// The engine reads only the input parameters it knows and ignores any other, so a misspelt one
// (payloadVariable) is a step that silently sends no payload, no result or the default deadline;
// a step or compensation handler without a command would not know what to send.
const STEP_INPUTS = [ 'command', 'payloadVariables', 'resultVariables', 'deadline', 'retryMaxAttempts', 'retryBackoff',
  'retryInitialDelay', 'retryMaxDelay', 'retryJitter', 'retryBudget', 'retryOnExhausted' ];
const COMPENSATION_INPUTS = [ 'command', 'payloadVariables', 'deadline' ];
const SUB_SAGA_INPUTS = [ 'payloadVariables', 'deadline' ];

module.exports = rule((saga, report) => {
  for (const step of stepsAndSubSagas(saga)) {
    const subSaga = is(step, 'bpmn:CallActivity');
    const known = subSaga ? SUB_SAGA_INPUTS : step.isForCompensation ? COMPENSATION_INPUTS : STEP_INPUTS;
    const byName = inputs(step);
    for (const name of byName.keys()) {
      if (!known.includes(name)) {
        const nearest = known.find(candidate => editDistance(candidate, String(name)) <= 3);
        report(step, "unknown input parameter '" + name + "': this kind of saga step reads only "
          + known.join(', ') + ', so this one would be ignored.' + (nearest ? " Did you mean '" + nearest + "'?" : ''));
      }
    }
    const command = byName.get('command');
    if (!subSaga && (command === undefined || !command.trim())) {
      report(step, "this saga step has no input parameter 'command': it would not know what to send. Apply the "
        + "'Saga step' template and fill in Command");
    }
  }
});
