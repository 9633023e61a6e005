'use strict';

// The saga shape rules. A process is a saga if it has a saga step (a service task with
// camunda:delegateExpression="${sagaStep}"); other processes are left alone. The service refuses a
// deployment that breaks one of them (io.sagaflow.saga.SagaShapeRules); lint-examples/ holds one
// refused model per rule, and `npm run test-rules` checks this plugin against them.
//
// known-command needs the message contracts (its config, see rules/known-command.js): without them it
// reports nothing, so it is only a warning here; .bpmnlintrc names Sagaflow's contract and makes it an error.
module.exports = {
  configs: {
    recommended: {
      rules: {
        'command-name': 'error',
        'compensation-has-boundary': 'error',
        'known-command': 'warn',
        'known-step-inputs': 'error',
        'no-step-in-loop': 'error',
        'no-step-in-non-interrupting-event-subprocess': 'error',
        'no-terminate-end-event': 'error',
        'no-transaction': 'error',
        'payload-provided': 'error',
        'saga-deadline': 'error',
        'step-has-compensation': 'error',
        'wait-has-deadline': 'error'
      }
    }
  }
};
