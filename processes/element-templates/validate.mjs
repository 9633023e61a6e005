#!/usr/bin/env node
// Validates Sagaflow's element templates (Camunda 7 / Camunda Platform) in this folder.
//
// Usage: node element-templates/validate.mjs [template.json ...]   (npm run validate-templates)
//   default: every *.json file next to this script
//
// 1. JSON Schema: each file against @camunda/element-templates-json-schema (the schema the
//    files' "$schema" names), with ajv; the schema is read from node_modules, never fetched.
// 2. What the schema cannot see, checked the way Camunda Modeler's properties panel applies
//    constraints (notEmpty, minLength, maxLength, pattern as a JavaScript RegExp, also on empty
//    values): every pattern compiles, every default value satisfies its own constraints, every
//    placeholder example does too, and the command, deadline and variable-list patterns accept
//    and refuse the sample values below.
// Exits non-zero on the first file with a problem (after reporting all of them).

import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

const schema = JSON.parse(await readFile(
  require.resolve('@camunda/element-templates-json-schema/resources/schema.json'), 'utf8'));

// strict: false because the published schema uses "$id" fragments and annotation keywords
// (examples) that ajv's strict mode rejects; the validation itself is unchanged.
const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(schema);

// Sample values per bound input parameter: [accepted, refused].
const SAMPLES = {
  command: [
    [ 'car.reserve', 'hotel.cancel', 'e-mail.send-receipt', 'car2.cancel' ],
    [ '', 'car', 'Car.reserve', 'car.reserve.now', 'car reserve', '.reserve', 'car.', '1car.reserve', 'car.Reserve' ]
  ],
  payloadVariables: [
    [ '', 'tripId', 'tripId,customerId,city,days', ' tripId , customerId ', 'from,to', '_x' ],
    [ 'tripId,', ',tripId', 'trip id', 'tripId;city', 'tripId,,city', '1tripId' ]
  ],
  resultVariables: [
    [ '', 'carReservationId', 'id:carReservationId', 'id : carReservationId, price', 'a,b:c,d' ],
    [ 'id:', ':id', 'a:b:c', 'a,', 'car-reservation-id' ]
  ],
  deadline: [
    [ 'PT30S', 'PT5M', 'PT1H', 'PT1H30M', 'P1D', 'P1DT12H', 'PT0.5S', 'PT10.250S' ],
    [ '', 'P', 'PT', 'P1DT', '30S', 'PT30', 'P1W', 'P1M', 'P1Y', '-PT30S', 'pt30s', 'PT30S ', 'PT1S30M' ]
  ]
};

const files = process.argv.length > 2
  ? process.argv.slice(2)
  : (await readdir(here)).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(here, f));

if (!files.length) {
  console.error('no element templates found');
  process.exit(2);
}

let failed = false;
for (const file of files) {
  const problems = [];
  let template;
  try {
    template = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    problems.push(`not JSON: ${e.message}`);
  }
  if (template) {
    if (!validateSchema(template)) {
      for (const error of validateSchema.errors) {
        problems.push(`schema: ${error.instancePath || '/'} ${error.message}`
          + (error.params && Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : ''));
      }
    }
    for (const template1 of Array.isArray(template) ? template : [ template ]) {
      problems.push(...checkTemplate(template1));
    }
  }
  const name = path.relative(process.cwd(), file);
  if (problems.length) {
    failed = true;
    console.error(`FAIL ${name}`);
    for (const p of problems) {
      console.error(`  - ${p}`);
    }
  } else {
    const t = Array.isArray(template) ? template : [ template ];
    console.log(`ok   ${name} (${t.map((x) => `${x.id} v${x.version}, ${x.properties.length} properties`).join('; ')})`);
  }
}
process.exit(failed ? 1 : 0);

function checkTemplate(template) {
  const problems = [];
  const where = (property) => property.label || `${property.binding?.type} ${property.binding?.name}`;
  const groups = new Set((template.groups || []).map((g) => g.id));
  const bound = new Set();

  if (!Number.isInteger(template.version)) {
    problems.push('no integer "version": the Modeler could not tell versions apart');
  }
  for (const property of template.properties || []) {
    const key = `${property.binding?.type}|${property.binding?.name}`;
    if (bound.has(key)) {
      problems.push(`${where(property)}: bound twice (${key})`);
    }
    bound.add(key);
    if (property.group && !groups.has(property.group)) {
      problems.push(`${where(property)}: unknown group ${property.group}`);
    }
    if (property.type === 'Hidden' && property.value === undefined) {
      problems.push(`${where(property)}: hidden property without a value`);
    }
    const constraints = property.constraints || {};
    let pattern = constraints.pattern;
    if (pattern !== undefined && typeof pattern !== 'string') {
      pattern = pattern.value;
    }
    if (pattern !== undefined) {
      try {
        new RegExp(pattern);
      } catch (e) {
        problems.push(`${where(property)}: pattern does not compile: ${e.message}`);
        continue;
      }
    }
    if (property.value !== undefined && property.type !== 'Hidden') {
      const error = violation(String(property.value), property);
      if (error) {
        problems.push(`${where(property)}: default value ${JSON.stringify(property.value)} ${error}`);
      }
    }
    if (property.placeholder !== undefined) {
      const error = violation(property.placeholder, property);
      if (error) {
        problems.push(`${where(property)}: placeholder ${JSON.stringify(property.placeholder)} ${error}`);
      }
    }
    // A hidden value is fixed by the template (e.g. the sub-saga compensation's reserved command):
    // there is nothing a modeller could type into it.
    const samples = property.type !== 'Hidden' && property.binding?.type === 'camunda:inputParameter'
      && SAMPLES[property.binding.name];
    if (samples) {
      const [ accepted, refused ] = samples;
      for (const value of accepted) {
        // Samples of optional lists include '', which a required field rightly refuses.
        if (value === '' && constraints.notEmpty) {
          continue;
        }
        const error = violation(value, property);
        if (error) {
          problems.push(`${where(property)}: refuses valid ${JSON.stringify(value)}: ${error}`);
        }
      }
      for (const value of refused) {
        if (!violation(value, property)) {
          problems.push(`${where(property)}: accepts invalid ${JSON.stringify(value)}`);
        }
      }
    }
  }
  return problems;
}

// The properties panel's own rule (bpmn-js-element-templates, Camunda 7): the pattern is tested
// on the value as it is, empty or not; notEmpty comes first.
function violation(value, property) {
  const { notEmpty, minLength, maxLength } = property.constraints || {};
  let pattern = property.constraints?.pattern;
  if (notEmpty && value.trim() === '') {
    return 'is empty but the field is required';
  }
  if (minLength !== undefined && value.length < minLength) {
    return `is shorter than ${minLength}`;
  }
  if (maxLength !== undefined && value.length > maxLength) {
    return `is longer than ${maxLength}`;
  }
  if (pattern !== undefined) {
    pattern = typeof pattern === 'string' ? pattern : pattern.value;
    if (!new RegExp(pattern).test(value)) {
      return `does not match ${pattern}`;
    }
  }
  return null;
}
