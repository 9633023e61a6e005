'use strict';

const { is, definitionOf, rule } = require('../lib/saga');

// A terminate end event ends the saga while other branches may wait for replies.
module.exports = rule((saga, report) => {
  saga.elements
    .filter(element => is(element, 'bpmn:EndEvent') && definitionOf(element, 'bpmn:TerminateEventDefinition'))
    .forEach(element => report(element, 'a terminate end event ends the saga at once: steps still waiting for '
      + 'their reply would never be compensated. Use a none end event and let the branches join'));
});
