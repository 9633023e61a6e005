'use strict';

// A saga process, indexed for the rules: every flow element (inside subprocesses and transactions
// too) with the element that contains it, the associations, the saga steps, and the flow graph
// (sequence flows, and an edge from an activity to each of its boundary events).

const STEP_EXPRESSION = '${sagaStep}';

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
  return {
    elements, containerOf, associations, successors, steps,
    isSaga: steps.length > 0,
    byId: id => elements.find(element => element.id === id)
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

// Reports every violation a check finds, once per saga process.
function rule(check) {
  return function() {
    return {
      check(node, reporter) {
        if (!is(node, 'bpmn:Process')) {
          return;
        }
        const saga = index(node);
        if (saga.isSaga) {
          check(saga, (element, message) => reporter.report(element.id, message));
        }
      }
    };
  };
}

module.exports = { is, camunda, definitionOf, onCycle, rule };
