// Sagaflow's Cockpit plugin: a "Saga messages" tab on every process instance, and a "Sagaflow"
// section on the dashboard. A plain ES module, served from the jar as it is: no build step.
// Data and repairs come from the plugin's REST resource (SagaMessagesPluginResource); every
// repair asks for a confirmation in the page first, and only operators see the buttons.

const PLUGIN = "saga-messages";

function url(api, path) {
  return `${api.cockpitApi}/plugin/${PLUGIN}/${api.engine}${path}`;
}

async function call(api, method, path, body) {
  const response = await fetch(url(api, path), {
    method,
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-XSRF-TOKEN": api.CSRFToken,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Error((json && json.detail) || `${response.status} ${response.statusText}`);
  }
  return json;
}

/** Builds an element; text children are text nodes, so nothing a message says becomes markup. */
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  Object.entries(attributes).forEach(([name, value]) => {
    if (name === "onclick") {
      element.addEventListener("click", value);
    } else if (value !== undefined && value !== null) {
      element.setAttribute(name, value);
    }
  });
  children.flat(Infinity).forEach((child) => {
    if (child !== undefined && child !== null) {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  });
  return element;
}

function time(instant) {
  return instant ? new Date(instant).toLocaleString() : "";
}

const STATUS_CLASS = {
  FAILED: "danger", REJECTED: "warning", TIMED_OUT: "warning", CANCELLED: "warning",
  PENDING: "info", WAITING: "info", QUEUED: "info", OVERDUE: "warning",
};

function status(value) {
  return el("span", { class: `label label-${STATUS_CLASS[value] || "default"} saga-status` }, value);
}

function table(caption, headers, rows, emptyText) {
  if (rows.length === 0) {
    return el("div", { class: "saga-section" }, el("h4", {}, caption), el("p", { class: "text-muted" }, emptyText));
  }
  return el("div", { class: "saga-section" },
    el("h4", {}, caption),
    el("table", { class: "cam-table" },
      el("thead", {}, el("tr", {}, headers.map((header) => el("th", {}, header)))),
      el("tbody", {}, rows)));
}

/**
 * Asks before a repair, in the page (a bar above the tables): the question, a reason field when
 * one is asked for, and Confirm / Cancel. Nothing is sent before Confirm.
 */
function confirmThen(node, question, askReason, action) {
  const bar = node.querySelector(".saga-confirm-slot");
  const reason = askReason ? el("input", { type: "text", class: "form-control input-sm saga-confirm-reason",
    placeholder: "Reason (shown in the saga and its event)", maxlength: "500" }) : null;
  bar.replaceChildren(el("div", { class: "alert alert-warning saga-confirm" },
    el("p", {}, question), reason,
    el("button", { class: "btn btn-sm btn-primary saga-confirm-yes", onclick: () => action(reason ? reason.value : null) },
      "Confirm"), " ",
    el("button", { class: "btn btn-sm btn-default saga-confirm-no", onclick: () => bar.replaceChildren() }, "Cancel")));
}

function repair(node, refresh, question, action) {
  confirmThen(node, question, false, async () => {
    try {
      await action();
      await refresh(`Done: ${question.replace(/\?$/, "")}.`);
    } catch (error) {
      await refresh(`Failed: ${error.message}`, true);
    }
  });
}

async function renderTab(node, { api, processInstanceId }) {
  const refresh = async (notice, isError) => {
    let data;
    try {
      data = await call(api, "GET", `/process-instance/${processInstanceId}/messages`);
    } catch (error) {
      node.replaceChildren(el("p", { class: "text-danger" }, `Saga messages unavailable: ${error.message}`));
      return;
    }
    const { messages, operator, audit } = data;
    const repairs = (audit || []).map((record) => el("tr", { "data-audit-seq": record.seq },
      el("td", {}, time(record.recordedAt)), el("td", { class: "saga-audit-actor" }, record.actor),
      el("td", {}, record.via), el("td", { class: "saga-audit-action" }, record.action), el("td", {}, record.target),
      el("td", {}, record.reason), el("td", { class: "saga-audit-outcome" }, record.outcome),
      el("td", { class: "saga-reason" }, record.detail)));
    const steps = messages.steps.map((step) => el("tr", { "data-command-id": step.commandId },
      el("td", {}, step.step), el("td", {}, step.op), el("td", {}, step.command), el("td", {}, step.attempt),
      el("td", {}, status(step.status)), el("td", {}, time(step.deadlineAt)), el("td", { class: "saga-reason" }, step.reason),
      el("td", {}, time(step.sentAt)), el("td", {}, time(step.repliedAt))));
    // The saga's input is one document, not Camunda variables: shown here, not in the Variables tab.
    const input = Object.entries(messages.input || {}).map(([name, value]) => el("tr", { "data-input": name },
      el("td", {}, name), el("td", { class: "saga-input-value" }, typeof value === "string" ? value : JSON.stringify(value))));
    const nextTries = (messages.nextTries || []).map((next) => el("p", { class: "saga-next-try", "data-activity-id": next.activityId },
      `Retry policy: ${next.activityId} sends its command again at ${time(next.at)}.`));
    const outbox = messages.outbox.map((row) => el("tr", { "data-message-id": row.messageId },
      el("td", {}, row.type), el("td", {}, `${row.exchange} / ${row.routingKey}`), el("td", {}, status(row.status)),
      el("td", {}, row.attempts), el("td", { class: "saga-last-error" }, row.lastError), el("td", {}, time(row.createdAt)),
      el("td", {}, time(row.sentAt)),
      el("td", {}, operator && row.status === "FAILED"
        ? el("button", {
          class: "btn btn-xs btn-primary saga-requeue",
          onclick: () => repair(node, refresh, `Requeue outbox message ${row.messageId}?`,
            () => call(api, "POST", `/outbox/${row.messageId}/requeue`)),
        }, "Requeue")
        : null)));
    const parked = messages.parked.map((message) => el("tr", { "data-parked-id": message.id },
      el("td", {}, message.type), el("td", {}, message.consumer), el("td", {}, message.queue),
      el("td", { class: "saga-reason" }, message.reason), el("td", {}, time(message.parkedAt)),
      el("td", {}, operator
        ? el("button", {
          class: "btn btn-xs btn-primary saga-replay",
          onclick: () => repair(node, refresh, `Replay parked message ${message.id} to ${message.queue}?`,
            () => call(api, "POST", `/parked/${message.id}/replay`)),
        }, "Replay")
        : null)));
    const abort = operator
      ? el("button", {
        class: "btn btn-default btn-sm saga-abort",
        onclick: () => confirmThen(node, "Abort this saga? It compensates what it has done.", true,
          async (reason) => {
            try {
              await call(api, "POST", `/process-instance/${processInstanceId}/abort`, { reason });
              await refresh("Done: the saga compensates.");
            } catch (error) {
              await refresh(`Failed: ${error.message}`, true);
            }
          }),
      }, "Abort saga…")
      : el("p", { class: "text-muted saga-read-only" }, "Read-only: repairs need an operator (camunda-admin or saga-operator).");
    node.replaceChildren(el("div", { class: "saga-messages" },
      el("div", { class: "saga-toolbar" }, abort, " ",
        el("button", { class: "btn btn-default btn-sm saga-refresh", onclick: () => refresh() }, "Refresh"),
        messages.processDefinitionVersion !== null && messages.processDefinitionVersion !== undefined
          ? el("span", { class: "saga-version text-muted" }, `  Version: ${messages.processDefinitionVersion}`) : null,
        messages.traceId ? el("span", { class: "saga-trace-id text-muted" }, `  Trace id: ${messages.traceId}`) : null),
      el("div", { class: "saga-confirm-slot" }),
      notice ? el("div", { class: `alert alert-${isError ? "danger" : "success"} saga-notice` }, notice) : null,
      table("Input", ["Field", "Value"], input,
        "No input document: this saga's input is in its variables (Variables tab)."),
      table("Steps", ["Step", "Op", "Command", "Attempt", "Status", "Deadline", "Reason", "Sent", "Replied"], steps,
        "No step has sent a command yet."),
      nextTries,
      table("Outbox", ["Type", "Exchange / routing key", "Status", "Attempts", "Last error", "Written", "Sent", ""],
        outbox, "No outbox row of this saga needs attention."),
      table("Parked messages", ["Type", "Consumer", "Queue", "Reason", "Parked", ""], parked,
        "No parked message names this saga."),
      table("Repairs (audit trail)", ["When", "Who", "Via", "Action", "Target", "Reason", "Outcome", "Detail"], repairs,
        "Nobody has repaired or aborted this saga.")));
  };
  node.replaceChildren(el("p", { class: "text-muted" }, "Loading saga messages…"));
  await refresh();
}

function sagaLinks(ids) {
  return el("span", { class: "saga-links" }, ids.map((id, index) => [index ? ", " : "",
    el("a", { href: `#/process-instance/${id}/runtime` }, id.substring(0, 8))]));
}

async function renderDashboard(node, { api }, notice) {
  let overview;
  let pauses;
  let operator;
  try {
    ({ overview, pauses, operator } = await call(api, "GET", "/overview"));
  } catch (error) {
    node.replaceChildren(el("p", { class: "text-danger" }, `Sagaflow overview unavailable: ${error.message}`));
    return;
  }
  const row = (name, value, ids, warn) => el("tr", { "data-count": name },
    el("th", {}, name), el("td", { class: warn ? "text-danger saga-count" : "saga-count" }, value),
    el("td", {}, ids && ids.length ? sagaLinks(ids) : ""));
  node.replaceChildren(el("section", { class: "saga-overview" },
    el("h3", { class: "section-title" }, "Sagaflow"),
    el("table", { class: "cam-table" }, el("tbody", {},
      row("Pending outbox rows", `${overview.pendingOutboxRows}${overview.oldestPendingSeconds != null
        ? ` (oldest ${overview.oldestPendingSeconds} s)` : ""}`, null, overview.oldestPendingSeconds > 60),
      row("FAILED outbox rows", overview.failedOutboxRows, overview.sagasWithFailedRows, overview.failedOutboxRows > 0),
      row("Parked messages", overview.parkedMessages, overview.sagasWithParkedMessages, overview.parkedMessages > 0),
      row("Half messages PARKED", overview.halfMessagesParked, null, overview.halfMessagesParked > 0),
      row("Steps past their deadline", overview.stepsPastDeadline, overview.sagasPastDeadline,
        overview.stepsPastDeadline > 0),
      row("New sagas", overview.sheddingLoad ? `shedding load: ${overview.sheddingReason}` : "admitted", null,
        overview.sheddingLoad))),
    versionsTable(api, overview.runningByVersion || [], operator),
    el("div", { class: "saga-migration-slot" }),
    pausesSection(api, pauses || [], operator, notice, (done) => renderDashboard(node, { api }, done)),
    operator ? bulkRepairSection(api) : null));
}

// Bulk repair by filter (operators): a preview counts what the filter chooses now; the run is a
// batch the service works off in the background, followed here to its end.
function bulkRepairSection(api) {
  const input = (cls, placeholder) => el("input", { type: "text", class: `form-control input-sm ${cls}`, placeholder });
  const action = el("select", { class: "form-control input-sm saga-bulk-action" },
    [["incident.retry", "Retry incidents"], ["outbox.requeue", "Requeue FAILED outbox rows"],
      ["parked.replay", "Replay parked messages"], ["saga.abort", "Abort sagas"]]
      .map(([value, label]) => el("option", { value }, label)));
  const processKey = input("saga-bulk-process-key", "process key");
  const step = input("saga-bulk-step", "step (activity id)");
  const errorText = input("saga-bulk-error-text", "error text contains");
  const reason = input("saga-bulk-reason", "reason (recorded in the audit trail)");
  const result = el("div", { class: "saga-bulk-result" });
  const request = (dryRun) => {
    const filter = {};
    [["processKey", processKey], ["step", step], ["errorText", errorText]].forEach(([name, field]) => {
      if (field.value.trim()) {
        filter[name] = field.value.trim();
      }
    });
    return { action: action.value, filter, reason: reason.value, dryRun };
  };
  const run = async () => {
    try {
      const submitted = await call(api, "POST", "/bulk-repairs", request(false));
      const follow = async () => {
        const progress = await call(api, "GET", `/bulk-repairs/${submitted.bulkRepairId}`);
        const counts = Object.entries(progress.counts).map(([name, count]) => `${name} ${count}`).join(", ");
        result.replaceChildren(el("p", { class: "saga-bulk-progress", "data-status": progress.status },
          `Bulk repair ${progress.status === "RUNNING" ? "running" : progress.status.toLowerCase()}: ${counts}`));
        if (progress.status === "RUNNING") {
          setTimeout(follow, 1000);
        }
      };
      await follow();
    } catch (error) {
      result.replaceChildren(el("div", { class: "alert alert-danger saga-notice" }, error.message));
    }
  };
  const preview = async () => {
    try {
      const counted = await call(api, "POST", "/bulk-repairs", request(true));
      result.replaceChildren(el("p", { class: "saga-bulk-preview", "data-count": String(counted.count) },
        `${counted.count} ${counted.count === 1 ? "item" : "items"} would be repaired now.`),
        counted.count ? el("button", { class: "btn btn-sm btn-primary saga-bulk-run", onclick: () => run() },
          `Run on ${counted.count}`) : null);
    } catch (error) {
      result.replaceChildren(el("div", { class: "alert alert-danger saga-notice" }, error.message));
    }
  };
  return el("div", { class: "saga-section saga-bulk" },
    el("h4", {}, "Bulk repair"),
    el("div", { class: "form-inline" }, action, " ", processKey, " ", step, " ", errorText, " ", reason, " ",
      el("button", { class: "btn btn-default btn-sm saga-bulk-preview-button", onclick: () => preview() }, "Preview…")),
    result);
}

// Paused participants: their commands wait in the outbox (in order) and the deadlines of the steps
// waiting on them stand still, so an outage does not compensate every saga. Operators pause and
// resume here, each after a confirmation with a reason for the audit trail.
function pausesSection(api, pauses, operator, notice, rerender) {
  const slot = el("div", { class: "saga-pause-confirm" });
  const ask = (question, path, commandPrefix) => {
    const reason = el("input", { type: "text", class: "form-control input-sm saga-pause-reason",
      placeholder: "reason (recorded in the audit trail)", maxlength: "500" });
    const send = async () => {
      try {
        await call(api, "POST", path, { commandPrefix, reason: reason.value });
        await rerender(`Done: ${question.replace(/\?$/, "")}.`);
      } catch (error) {
        slot.replaceChildren(el("div", { class: "alert alert-danger saga-notice" }, error.message));
      }
    };
    slot.replaceChildren(el("div", { class: "alert alert-warning saga-confirm" }, el("p", {}, question), reason,
      el("button", { class: "btn btn-sm btn-primary saga-pause-yes", onclick: send }, "Confirm"), " ",
      el("button", { class: "btn btn-sm btn-default", onclick: () => slot.replaceChildren() }, "Cancel")));
  };
  const rows = pauses.map((p) => el("tr", { "data-pause": p.commandPrefix },
    el("td", {}, `${p.commandPrefix}*`), el("td", {}, time(p.pausedAt)),
    el("td", {}, `${p.pausedBy}${p.automatic ? " (automatic)" : ""}`), el("td", {}, p.reason || ""),
    el("td", { class: "saga-held" }, String(p.heldCommands)), el("td", { class: "saga-waiting" }, String(p.waitingSteps)),
    el("td", {}, operator ? el("button", { class: "btn btn-default btn-xs saga-resume",
      onclick: () => ask(`Resume ${p.commandPrefix}*: publish its held commands in order and let its steps' deadlines run again?`,
        "/participants/pauses/resume", p.commandPrefix) }, "Resume") : null)));
  const prefix = el("input", { type: "text", class: "form-control input-sm saga-pause-prefix",
    placeholder: "command prefix, e.g. payment." });
  return el("div", { class: "saga-section saga-pauses" },
    el("h4", {}, "Paused participants"),
    notice ? el("div", { class: "alert alert-info saga-pause-notice" }, notice) : null,
    rows.length ? el("table", { class: "cam-table" },
      el("thead", {}, el("tr", {}, ["Commands", "Paused since", "By", "Reason", "Held in the outbox",
        "Steps waiting (deadline stopped)", ""].map((header) => el("th", {}, header)))),
      el("tbody", {}, rows))
      : el("p", { class: "text-muted saga-pauses-empty" }, "No participant is paused."),
    operator ? el("div", { class: "form-inline saga-pause-form" }, prefix, " ",
      el("button", { class: "btn btn-default btn-sm saga-pause",
        onclick: () => ask(`Pause ${prefix.value.trim()}*: hold its commands in the outbox and stop its steps' deadlines?`,
          "/participants/pauses", prefix.value.trim()) }, "Pause participant…")) : null,
    slot);
}

// Running sagas per definition version: after a redeployment, old sagas finish on their version.
// Operators may move the sagas of an older version to the latest (saga-aware migration).
function versionsTable(api, versions, operator) {
  if (!versions.length) {
    return el("p", { class: "text-muted saga-versions-empty" }, "No saga is running.");
  }
  return el("table", { class: "cam-table saga-versions" },
    el("thead", {}, el("tr", {}, el("th", {}, "Saga"), el("th", {}, "Version"), el("th", {}, "Running"),
      el("th", {}, "Latest"), el("th", {}, ""))),
    el("tbody", {}, versions.map((v) => el("tr", { "data-version": `${v.processKey}:${v.version ?? ""}` },
      el("td", {}, v.processKey), el("td", {}, v.version ?? "before versions were recorded"),
      el("td", { class: "saga-count" }, String(v.running)), el("td", {}, v.latestVersion ?? ""),
      el("td", {}, operator && v.version !== null && v.latestVersion !== null && v.version < v.latestVersion
        ? el("button", { class: "btn btn-default btn-xs saga-migrate",
          onclick: (event) => openMigration(api, event.target.closest(".saga-overview"), v) }, "Migrate…")
        : null)))));
}

function parseMapping(text) {
  const mapping = {};
  text.split(",").map((pair) => pair.trim()).filter(Boolean).forEach((pair) => {
    const [from, to] = pair.split("=").map((id) => (id || "").trim());
    if (from && to) {
      mapping[from] = to;
    }
  });
  return mapping;
}

// Dry run first: what can move and why the others cannot; then the run, followed to its end.
async function openMigration(api, section, v) {
  const slot = section.querySelector(".saga-migration-slot");
  const mapping = el("input", { type: "text", class: "form-control input-sm saga-migration-mapping",
    placeholder: "renamed activities: Task_Old=Task_New, ..." });
  const reason = el("input", { type: "text", class: "form-control input-sm saga-migration-reason",
    placeholder: "reason (recorded in the audit trail)" });
  const result = el("div", { class: "saga-migration-result" });
  const request = (dryRun) => ({ processKey: v.processKey, sourceVersion: v.version, targetVersion: "latest",
    mapping: parseMapping(mapping.value), reason: reason.value, dryRun });
  const check = async () => {
    result.replaceChildren(el("p", { class: "text-muted" }, "Checking each saga…"));
    try {
      const report = await call(api, "POST", "/migrations", request(true));
      const leftAlone = report.sagas.filter((saga) => !saga.movable);
      result.replaceChildren(...[
        el("p", { class: "saga-migration-verdict" },
          `${report.movable} of ${report.sagas.length} sagas can move from version ${report.sourceVersion} to ${report.targetVersion}.`),
        leftAlone.length ? el("table", { class: "cam-table saga-migration-left-alone" },
          el("thead", {}, el("tr", {}, el("th", {}, "Saga (left alone)"), el("th", {}, "Why"))),
          el("tbody", {}, leftAlone.map((saga) => el("tr", { "data-saga-id": saga.sagaId },
            el("td", {}, el("a", { href: `#/process-instance/${saga.sagaId}/runtime` }, saga.sagaId.substring(0, 8))),
            el("td", {}, saga.blockers.join("; ")))))) : null,
        report.movable ? el("button", { class: "btn btn-sm btn-primary saga-migration-run", onclick: () => run() },
          `Migrate ${report.movable} ${report.movable === 1 ? "saga" : "sagas"}`) : null].filter(Boolean));
    } catch (error) {
      result.replaceChildren(el("div", { class: "alert alert-danger saga-notice" }, error.message));
    }
  };
  const run = async () => {
    try {
      const started = await call(api, "POST", "/migrations", request(false));
      const follow = async () => {
        const progress = await call(api, "GET", `/migrations/${started.migrationId}`);
        const counts = Object.entries(progress.counts).map(([name, count]) => `${name} ${count}`).join(", ");
        result.replaceChildren(el("p", { class: "saga-migration-progress", "data-status": progress.status },
          `Migration ${progress.status === "DONE" ? "done" : "running"}: ${counts}`));
        if (progress.status !== "DONE") {
          setTimeout(follow, 1000);
        }
      };
      await follow();
    } catch (error) {
      result.replaceChildren(el("div", { class: "alert alert-danger saga-notice" }, error.message));
    }
  };
  slot.replaceChildren(el("div", { class: "well well-sm saga-migration" },
    el("h4", {}, `Migrate running sagas of ${v.processKey} from version ${v.version} to ${v.latestVersion}`),
    mapping, reason,
    el("button", { class: "btn btn-sm btn-default saga-migration-check", onclick: () => check() }, "Check again"),
    result));
  await check();
}

export default [
  {
    id: "sagaflow-saga-messages-tab",
    pluginPoint: "cockpit.processInstance.runtime.tab",
    properties: { label: "Saga messages" },
    priority: 5,
    render: (node, context) => { renderTab(node, context); },
  },
  {
    id: "sagaflow-dashboard",
    pluginPoint: "cockpit.dashboard",
    priority: 5,
    render: (node, context) => { renderDashboard(node, context); },
  },
];
