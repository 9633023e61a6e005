'use strict';

const { is, definitionOf, rule } = require('../lib/saga');

// Every wait of a saga has a deadline: a person or an event that never comes must not hold its
// bookings for ever.
module.exports = rule((saga, report) => {
  const timerOn = activity => saga.elements.some(element => is(element, 'bpmn:BoundaryEvent')
    && element.attachedToRef && element.attachedToRef.id === activity.id
    && definitionOf(element, 'bpmn:TimerEventDefinition') && element.cancelActivity !== false);
  saga.elements
    .filter(element => (is(element, 'bpmn:UserTask') || is(element, 'bpmn:ReceiveTask')) && !timerOn(element))
    .forEach(element => report(element, 'a saga waits here with no deadline: give it an interrupting timer '
      + "boundary event that leads to the saga's compensation (or another way on)"));
  const racesATimer = event => (event.incoming || []).some(flow => is(flow.sourceRef, 'bpmn:EventBasedGateway')
    && (flow.sourceRef.outgoing || []).some(out => out.targetRef
      && definitionOf(out.targetRef, 'bpmn:TimerEventDefinition')));
  saga.elements
    .filter(element => is(element, 'bpmn:IntermediateCatchEvent')
      && !definitionOf(element, 'bpmn:TimerEventDefinition') && !definitionOf(element, 'bpmn:LinkEventDefinition')
      && !racesATimer(element))
    .forEach(element => report(element, 'a saga waits for this event with no deadline: put it after an '
      + "event-based gateway whose other way is a timer that leads to the saga's compensation"));
});
