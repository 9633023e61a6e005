'use strict';

const { is, rule } = require('../lib/saga');

// BPMN transactions (cancel events) are not how a saga compensates in Sagaflow.
module.exports = rule((saga, report) => {
  saga.elements.filter(element => is(element, 'bpmn:Transaction'))
    .forEach(element => report(element, 'a BPMN transaction (cancel events) is not how a saga compensates here. '
      + 'Use an embedded subprocess'));
});
