'use strict';

// A saga process, indexed for the rules: every flow element (inside subprocesses and transactions
// too) with the element that contains it, the associations, the saga steps, and the flow graph
// (sequence flows, and an edge from an activity to each of its boundary events). The helpers below
// mirror io.sagaflow.saga.SagaShapeRules.Model, PayloadMapping and StartVariables.

const STEP_EXPRESSION = '${sagaStep}';

// Elements before a step that may set variables without being a step (SagaShapeRules.Model.MAY_SET_VARIABLES);
// a step or sub-saga among them is checked first, so these are the other service tasks and call activities.
const MAY_SET_VARIABLES = new Set([ 'bpmn:UserTask', 'bpmn:ReceiveTask', 'bpmn:IntermediateCatchEvent',
  'bpmn:ScriptTask', 'bpmn:BusinessRuleTask', 'bpmn:Task', 'bpmn:SendTask', 'bpmn:ManualTask', 'bpmn:ServiceTask',
  'bpmn:CallActivity' ]);

function is(element, type) {
  return element && typeof element.$instanceOf === 'function' && element.$instanceOf(type);
}

function camunda(element, name) {
  const value = element.get ? safeGet(element, 'camunda:' + name) : undefined;
  if (value !== undefined && value !== null) {
    return value;
  }
  return element.$attrs ? element.$attrs['camunda:' + name] : undefined;
}

function safeGet(element, name) {
  try {
    return element.get(name);
  } catch (e) {
    return undefined;
  }
}

function isStep(element) {
  const expression = camunda(element, 'delegateExpression');
  return is(element, 'bpmn:ServiceTask') && typeof expression === 'string' && expression.trim() === STEP_EXPRESSION;
}

// A camunda extension element by local name, parsed with camunda-moddle (camunda:InputOutput) or
// without it (a generic camunda:inputOutput, as plain bpmnlint parses it).
function isCamunda(element, localName) {
  return element && typeof element.$type === 'string'
    && element.$type.toLowerCase() === ('camunda:' + localName).toLowerCase();
}

function childrenOf(element, typedProperty) {
  return element[typedProperty] || element.$children || [];
}

function extensionsOf(element, localName) {
  const values = (element.extensionElements && element.extensionElements.values) || [];
  return values.filter(value => isCamunda(value, localName));
}

// The element's camunda:inputParameter values by name, trimmed (a script or list counts as its text).
function inputs(element) {
  const byName = new Map();
  for (const inputOutput of extensionsOf(element, 'inputOutput')) {
    for (const input of childrenOf(inputOutput, 'inputParameters').filter(child => isCamunda(child, 'inputParameter'))) {
      const text = input.value !== undefined ? input.value : input.$body;
      byName.set(input.name, typeof text === 'string' ? text.trim() : '');
    }
  }
  return byName;
}

// A camunda:property of the process (camunda:properties in its extension elements), or undefined.
function processProperty(process, name) {
  const properties = extensionsOf(process, 'properties')[0];
  const property = properties && childrenOf(properties, 'values')
    .find(child => isCamunda(child, 'property') && child.name === name);
  return property ? property.value : undefined;
}

function isSubSaga(element) {
  return is(element, 'bpmn:CallActivity') && element.calledElement !== undefined && element.calledElement !== null;
}

// Saga steps, compensation handlers and sub-saga steps (call activities that call a saga).
function stepsAndSubSagas(saga) {
  return [ ...saga.steps, ...saga.elements.filter(isSubSaga) ];
}

function isStepOrSubSaga(element) {
  return isStep(element) || isSubSaga(element);
}

function hasCompensationBoundary(saga, activity) {
  return saga.elements.some(element => is(element, 'bpmn:BoundaryEvent')
    && element.attachedToRef && element.attachedToRef.id === activity.id
    && definitionOf(element, 'bpmn:CompensateEventDefinition'));
}

// The ids of every element a token passes before reaching the element: backwards over sequence flows,
// from a boundary event to its activity, from a compensation handler to the step it undoes (the
// association), and from a subprocess's content to the subprocess.
function ancestors(saga, element) {
  const predecessors = new Map();
  const add = (to, from) => {
    if (!predecessors.has(to)) {
      predecessors.set(to, new Set());
    }
    predecessors.get(to).add(from);
  };
  saga.successors.forEach((targets, source) => targets.forEach(target => add(target, source)));
  saga.associations.filter(association => association.sourceRef && association.targetRef)
    .forEach(association => add(association.targetRef.id, association.sourceRef.id));
  saga.containerOf.forEach((container, child) => {
    if (!is(container, 'bpmn:Process')) {
      add(child.id, container.id);
    }
  });
  const seen = new Set();
  const frontier = [ ...(predecessors.get(element.id) || []) ];
  while (frontier.length) {
    const next = frontier.pop();
    if (!seen.has(next)) {
      seen.add(next);
      frontier.push(...(predecessors.get(next) || []));
    }
  }
  seen.delete(element.id);
  return seen;
}

function maySetVariables(element) {
  return MAY_SET_VARIABLES.has(element.$type);
}

// The multi-instance element variable (camunda:elementVariable) of the element, or undefined.
function elementVariable(element) {
  const multiInstance = element.loopCharacteristics;
  return is(multiInstance, 'bpmn:MultiInstanceLoopCharacteristics') ? camunda(multiInstance, 'elementVariable') : undefined;
}

// Comma-separated entries, trimmed, the empty ones dropped (PayloadMapping.entries).
function entries(commaSeparated) {
  if (commaSeparated === undefined || commaSeparated === null) {
    return [];
  }
  return String(commaSeparated).split(',').map(entry => entry.trim()).filter(entry => entry.length);
}

// payloadVariables: each entry `variable` or `field=variable`; the variable it is read from.
function payloadVariables(value) {
  return entries(value).map(entry => {
    const at = entry.indexOf('=');
    return at < 0 ? entry : entry.substring(at + 1).trim();
  });
}

// resultVariables: each entry `field` or `field:variable`; the variable it is copied into.
function resultVariables(value) {
  return entries(value).map(entry => {
    const at = entry.indexOf(':');
    return (at < 0 ? entry : entry.substring(at + 1)).trim();
  });
}

// sagaflow.startVariables: `orderId,customerId,amount,simulate?` (a trailing ? marks an optional one);
// every name, the required ones first, without the ?; null if the process declares none.
function startVariables(declaration) {
  if (declaration === undefined || declaration === null || !String(declaration).trim()) {
    return null;
  }
  const names = entries(declaration);
  return [ ...names.filter(name => !name.endsWith('?')),
    ...names.filter(name => name.endsWith('?')).map(name => name.substring(0, name.length - 1).trim()) ];
}

// Levenshtein distance (CommandCatalogue.editDistance).
function editDistance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, previous[j] + 1, current[j - 1] + 1);
    }
    [ previous, current ] = [ current, previous ];
  }
  return previous[b.length];
}

// The command a step or compensation handler sends whose name the rules check: trimmed, and null for
// none, an expression, or the orchestrator's own sub-saga commands (sagaflow.saga.*).
function checkedCommand(step) {
  const command = inputs(step).get('command');
  if (command === undefined || !command.trim()) {
    return null;
  }
  const trimmed = command.trim();
  return trimmed.includes('${') || trimmed.includes('#{') || trimmed.startsWith('sagaflow.saga.') ? null : trimmed;
}

// The naming rule of commands: <participant>.<action> in lower case (routing keys participants bind).
const COMMAND_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

function definitionOf(element, type) {
  return (element.eventDefinitions || []).find(definition => is(definition, type));
}

function index(process) {
  const elements = [];
  const containerOf = new Map();
  const associations = [];
  const successors = new Map();
  const add = (from, to) => {
    if (!successors.has(from)) {
      successors.set(from, new Set());
    }
    successors.get(from).add(to);
  };
  const walk = container => {
    for (const element of container.flowElements || []) {
      elements.push(element);
      containerOf.set(element, container);
      if (is(element, 'bpmn:SequenceFlow') && element.sourceRef && element.targetRef) {
        add(element.sourceRef.id, element.targetRef.id);
      }
      if (is(element, 'bpmn:BoundaryEvent') && element.attachedToRef) {
        add(element.attachedToRef.id, element.id);
      }
      if (is(element, 'bpmn:SubProcess')) {
        walk(element);
      }
    }
    for (const artifact of container.artifacts || []) {
      if (is(artifact, 'bpmn:Association')) {
        associations.push(artifact);
      }
    }
  };
  walk(process);
  const steps = elements.filter(isStep);
  const elementsById = new Map(elements.map(element => [ element.id, element ]));
  return {
    process, elements, containerOf, associations, successors, steps,
    isSaga: steps.length > 0,
    byId: id => elementsById.get(id)
  };
}

function onCycle(saga, start) {
  const seen = new Set();
  const frontier = [ ...(saga.successors.get(start) || []) ];
  while (frontier.length) {
    const next = frontier.pop();
    if (next === start) {
      return true;
    }
    if (!seen.has(next)) {
      seen.add(next);
      frontier.push(...(saga.successors.get(next) || []));
    }
  }
  return false;
}

// Reports every violation a check finds, once per saga process; the check gets the rule's config
// (the object after the severity in .bpmnlintrc, {} if none).
function rule(check) {
  return function(config) {
    return {
      check(node, reporter) {
        if (!is(node, 'bpmn:Process')) {
          return;
        }
        const saga = index(node);
        if (saga.isSaga) {
          check(saga, (element, message) => reporter.report(element.id, message), config || {});
        }
      }
    };
  };
}

module.exports = {
  COMMAND_PATTERN, is, camunda, definitionOf, onCycle, rule, inputs, processProperty, isStep, isSubSaga,
  stepsAndSubSagas, isStepOrSubSaga, hasCompensationBoundary, ancestors, maySetVariables, elementVariable,
  entries, payloadVariables, resultVariables, startVariables, editDistance, checkedCommand
};
