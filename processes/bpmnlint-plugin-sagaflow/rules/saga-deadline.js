'use strict';

const { rule, processProperty } = require('../lib/saga');

// sagaflow.sagaDeadline, if set, is a positive ISO-8601 duration (what java.time.Duration parses:
// days, hours, minutes, seconds); sagaflow.onSagaDeadline is compensate or incident.
const DURATION = /^[-+]?P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?$/i;

module.exports = rule((saga, report) => {
  const deadline = processProperty(saga.process, 'sagaflow.sagaDeadline');
  if (deadline !== undefined && deadline.trim() !== '') {
    const match = DURATION.exec(deadline.trim());
    if (!match || match.slice(1).every(part => part === undefined) || deadline.trim().endsWith('T')) {
      report(saga.process, `sagaflow.sagaDeadline is an ISO-8601 duration such as PT2H, not '${deadline}'`);
    } else if (/-/.test(deadline) || match.slice(1, 5).every(part => part === undefined || Number(part) === 0)
        && !(match[5] && Number(match[5]) > 0)) {
      report(saga.process, `sagaflow.sagaDeadline must be positive, not ${deadline}`);
    }
  }
  const onDeadline = processProperty(saga.process, 'sagaflow.onSagaDeadline');
  if (onDeadline !== undefined && onDeadline.trim() !== '' && ![ 'compensate', 'incident' ].includes(onDeadline.trim())) {
    report(saga.process, `sagaflow.onSagaDeadline is 'compensate' or 'incident', not '${onDeadline}'`);
  }
});
