'use strict';

const { is, onCycle, rule } = require('../lib/saga');

// A step that runs again in a loop is the same step to its participant, which answers a repeat with
// its first answer: use a multi-instance marker instead.
module.exports = rule((saga, report) => {
  for (const step of saga.steps) {
    for (let node = step; node && !is(node, 'bpmn:Process'); node = saga.containerOf.get(node)) {
      if (is(node.loopCharacteristics, 'bpmn:StandardLoopCharacteristics') || onCycle(saga, node.id)) {
        report(step, 'this saga step can run more than once in a loop: its participant would answer every round '
          + 'with the first answer. Use a multi-instance marker (each instance is a step of its own)');
        break;
      }
    }
  }
});
