#!/usr/bin/env node
// Checks bpmnlint-plugin-sagaflow against the corpus the service's deployment check is tested with
// too (SagaShapeRulesTests): every model here is reported with the rule and element expected.json
// names, and every saga the project ships or tests with (../*.bpmn, ../../src/service/src/test/resources/**)
// gets no report of the plugin.
//
// expected.json maps a file to one {rule, element} (that report must be there) or to an array of
// them (those reports must be there, and the plugin reports nothing else on the file). The linter
// has the plugin's recommended config, with known-command given Sagaflow's contract and the CRM
// participant's of the signup examples (paths relative to processes/).
//
// Usage: npm run test-rules   (in processes/)

import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { BpmnModdle } from 'bpmn-moddle';

const require = createRequire(import.meta.url);
const { Linter } = require('bpmnlint');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');

const here = path.dirname(fileURLToPath(import.meta.url));
// The contracts are relative to the working directory, which npm run makes processes/ anyway.
process.chdir(path.join(here, '..'));
const config = {
  extends: 'plugin:sagaflow/recommended',
  rules: {
    'sagaflow/known-command': [ 'error', { contracts: [ '../docs/asyncapi.yaml', 'lint-examples/crm.asyncapi.yaml' ] } ]
  }
};
const linter = new Linter({ config, resolver: new NodeResolver() });
const moddle = new BpmnModdle();

async function lint(file) {
  const { rootElement } = await moddle.fromXML(await readFile(file, 'utf8'));
  return linter.lint(rootElement);
}

const problems = [];
const expected = JSON.parse(await readFile(path.join(here, 'expected.json'), 'utf8'));
const at = ({ rule, element }) => `${rule} at ${element}`;
for (const [ file, expectation ] of Object.entries(expected)) {
  const reports = await lint(path.join(here, file));
  const found = Object.entries(reports).filter(([ rule ]) => rule.startsWith('sagaflow/'))
    .flatMap(([ rule, list ]) => list.map(report => at({ rule, element: report.id })));
  const wanted = (Array.isArray(expectation) ? expectation : [ expectation ]).map(at);
  const missing = wanted.filter(report => !found.includes(report));
  // An array names every report of the file: a model with one mistake gets no other report.
  const others = Array.isArray(expectation) ? [ ...new Set(found.filter(report => !wanted.includes(report))) ] : [];
  const ok = !missing.length && !others.length;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${file}: ${wanted.join(', ')}${Array.isArray(expectation) ? ', nothing else' : ''}`);
  if (!ok) {
    problems.push(`${file}: ${missing.length ? `missing ${missing.join(', ')}; ` : ''}`
      + `${others.length ? `not expected ${others.join(', ')}; ` : ''}got ${JSON.stringify(reports)}`);
  }
}

const accepted = [];
for (const folder of [ '..', '../../src/service/src/test/resources/shapes', '../../src/service/src/test/resources/processes', '../../src/service/src/test/resources/signup' ]) {
  const directory = path.join(here, folder);
  for (const name of (await readdir(directory)).filter(name => name.endsWith('.bpmn'))) {
    accepted.push(path.join(directory, name));
  }
}
for (const file of accepted) {
  const reports = Object.entries(await lint(file)).filter(([ , list ]) => list.length);
  console.log(`${reports.length ? 'FAIL' : 'ok  '} ${path.relative(here, file)}: no saga shape report`);
  if (reports.length) {
    problems.push(`${file}: ${JSON.stringify(reports)}`);
  }
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
