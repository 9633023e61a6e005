#!/usr/bin/env node
// Checks bpmnlint-plugin-sagaflow against the corpus the service's deployment check is tested with
// too (SagaShapeRulesTests): every model here is reported with the rule and element expected.json
// names, and every saga the project ships or tests with (../*.bpmn, ../../src/test/resources/**)
// gets no report of the plugin.
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
const linter = new Linter({ config: { extends: 'plugin:sagaflow/recommended' }, resolver: new NodeResolver() });
const moddle = new BpmnModdle();

async function lint(file) {
  const { rootElement } = await moddle.fromXML(await readFile(file, 'utf8'));
  return linter.lint(rootElement);
}

const problems = [];
const expected = JSON.parse(await readFile(path.join(here, 'expected.json'), 'utf8'));
for (const [ file, { rule, element } ] of Object.entries(expected)) {
  const reports = await lint(path.join(here, file));
  const found = (reports[rule] || []).some(report => report.id === element);
  console.log(`${found ? 'ok  ' : 'FAIL'} ${file}: ${rule} at ${element}`);
  if (!found) {
    problems.push(`${file}: expected ${rule} at ${element}, got ${JSON.stringify(reports)}`);
  }
}

const accepted = [];
for (const folder of [ '..', '../../src/test/resources/shapes', '../../src/test/resources/processes' ]) {
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
