'use strict';

const { COMMAND_PATTERN, rule, isStep, stepsAndSubSagas, checkedCommand, editDistance } = require('../lib/saga');

// A command no participant listens to is returned by the broker, and its step ends in an incident:
// a misspelt command (crm.create-acount) is otherwise found only then. The known commands are every
// channels.*.parameters.command.enum of the AsyncAPI documents the rule's config names, paths
// relative to the working directory (CommandCatalogue in the service):
//   "sagaflow/known-command": [ "error", { "contracts": [ "../docs/asyncapi.yaml" ] } ]
// With no contracts the rule reports nothing (recommended has it as 'warn' for that reason).
module.exports = rule((saga, report, config) => {
  const sources = config.contracts || [];
  if (!sources.length) {
    return;
  }
  const commands = catalogue(sources);
  for (const step of stepsAndSubSagas(saga).filter(isStep)) {
    const command = checkedCommand(step);
    if (command === null || !COMMAND_PATTERN.test(command) || commands.has(command)) {
      continue; // a broken name is sagaflow/command-name's
    }
    const nearest = nearestOf(commands, command);
    report(step, "command '" + command + "' is not in the message contract (" + sources.join(', ') + '): if no '
      + 'participant listens to it, the broker returns it and the step ends in an incident.'
      + (nearest ? " Did you mean '" + nearest + "'?" : ' Add it to your message contract (the contracts of '
        + 'sagaflow/known-command in .bpmnlintrc; sagaflow.modelling.contracts for the service).'));
  }
});

// Read once per process run; fs and js-yaml are required here only, so that a bundle of the plugin
// without contracts (a modeller's browser) needs neither.
const catalogues = new Map();

function catalogue(sources) {
  const key = JSON.stringify(sources);
  if (!catalogues.has(key)) {
    const { readFileSync } = require('fs');
    const path = require('path');
    const yaml = require('js-yaml');
    const commands = new Set();
    for (const source of sources) {
      let document;
      try {
        document = yaml.load(readFileSync(path.resolve(process.cwd(), source), 'utf8'));
      } catch (e) {
        throw new Error('the message contract ' + source + ' cannot be read (contracts of sagaflow/known-command, '
          + 'relative to ' + process.cwd() + '): ' + e.message);
      }
      commandsOf(document, commands);
    }
    catalogues.set(key, commands);
  }
  return catalogues.get(key);
}

function isMap(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function commandsOf(document, commands) {
  if (!isMap(document) || !isMap(document.channels)) {
    return;
  }
  for (const channel of Object.values(document.channels)) {
    const command = isMap(channel) && isMap(channel.parameters) && channel.parameters.command;
    if (isMap(command) && Array.isArray(command.enum)) {
      command.enum.forEach(name => commands.add(String(name)));
    }
  }
}

// The known command closest to the command, if it is a likely misspelling (at most 2 edits; a tie goes
// to the first name in sort order, as in the service).
function nearestOf(commands, command) {
  let nearest = null;
  let distance = Infinity;
  for (const known of [ ...commands ].sort()) {
    const d = editDistance(known, command);
    if (d <= 2 && d < distance) {
      nearest = known;
      distance = d;
    }
  }
  return nearest;
}
