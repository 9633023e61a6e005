'use strict';

const { COMMAND_PATTERN, rule, isStep, stepsAndSubSagas, checkedCommand } = require('../lib/saga');

// A command is the routing key its participant binds: <participant>.<action> in lower case. One that
// breaks the rule (CRM.Create-Account) reaches no participant. Expressions and the orchestrator's own
// sub-saga commands (sagaflow.saga.*) are left alone.
module.exports = rule((saga, report) => {
  for (const step of stepsAndSubSagas(saga).filter(isStep)) {
    const command = checkedCommand(step);
    if (command !== null && !COMMAND_PATTERN.test(command)) {
      report(step, "command '" + command + "' breaks the naming rule '<participant>.<action>' in lower case "
        + '(letters, digits, dashes), e.g. car.reserve: it is the routing key a participant binds. Write \''
        + command.toLowerCase().replace(/[^a-z0-9.-]/g, '-') + "'");
    }
  }
});
