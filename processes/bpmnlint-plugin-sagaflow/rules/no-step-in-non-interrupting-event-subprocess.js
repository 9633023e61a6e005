'use strict';

const { is, rule } = require('../lib/saga');

// A step in a non-interrupting event subprocess runs beside the saga's flow, where its compensation
// does not reach it.
module.exports = rule((saga, report) => {
  for (const step of saga.steps) {
    for (let node = saga.containerOf.get(step); node && !is(node, 'bpmn:Process'); node = saga.containerOf.get(node)) {
      const nonInterrupting = node.triggeredByEvent && (node.flowElements || [])
        .some(element => is(element, 'bpmn:StartEvent') && element.isInterrupting === false);
      if (nonInterrupting) {
        report(step, 'this saga step runs in the non-interrupting event subprocess ' + node.id + ', beside the '
          + "saga's own flow: a compensation of the saga would not reach it. Make the event subprocess interrupting");
        break;
      }
    }
  }
});
