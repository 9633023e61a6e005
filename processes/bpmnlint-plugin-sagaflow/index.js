'use strict';

// The saga shape rules. A process is a saga if it has a saga step (a service task with
// camunda:delegateExpression="${sagaStep}"); other processes are left alone. The service refuses a
// deployment that breaks one of them (io.sagaflow.saga.SagaShapeRules); lint-examples/ holds one
// refused model per rule, and `npm run test-rules` checks this plugin against them.
module.exports = {
  configs: {
    recommended: {
      rules: {
        'compensation-has-boundary': 'error',
        'no-step-in-loop': 'error',
        'no-step-in-non-interrupting-event-subprocess': 'error',
        'no-terminate-end-event': 'error',
        'no-transaction': 'error',
        'wait-has-deadline': 'error'
      }
    }
  }
};
