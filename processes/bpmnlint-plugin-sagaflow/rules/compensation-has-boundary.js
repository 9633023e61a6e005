'use strict';

const { is, definitionOf, rule } = require('../lib/saga');

// A compensation task that no compensation boundary event points to never runs.
module.exports = rule((saga, report) => {
  const targets = new Set(saga.associations
    .filter(association => is(association.sourceRef, 'bpmn:BoundaryEvent')
      && definitionOf(association.sourceRef, 'bpmn:CompensateEventDefinition'))
    .map(association => association.targetRef && association.targetRef.id));
  saga.elements
    .filter(element => element.isForCompensation && !is(element, 'bpmn:SubProcess') && !targets.has(element.id))
    .forEach(element => report(element, 'this compensation task is not attached to any step: no compensation '
      + 'boundary event points to it, so it never runs. Attach a compensation boundary event to the step it undoes '
      + 'and connect the two with an association'));
});
