'use strict';
/*
 * The car rental of the trip-booking saga (processes/trip-booking.bpmn), written in Node.js from
 * docs/asyncapi.yaml alone: it consumes `car.reserve` and `car.cancel` from its queue
 * `sagaflow.participant.car` and answers on `sagaflow.replies`. It does what the Java participant
 * kit does, with its own PostgreSQL database (schema `car_node`):
 *
 *   inbox      every command's message_id is inserted in the transaction that applies it; a second
 *              delivery of the same id finds the row and is acked without effect.
 *   barrier    (saga id, step, op) -> the first answer, stored with the business change and given
 *              again to every repeat. A compensation before its action is recorded, answered SUCCESS
 *              and changes nothing (null compensation); it also stores a refusal as the action's
 *              answer, so an action arriving later is refused without effect (hanging guard).
 *   business   car_node.reservation: RESERVED by car.reserve, CANCELLED by car.cancel, keyed by saga id.
 *   reply      written to car_node.outbox in the same transaction, published after commit on a
 *              confirm channel with the mandatory flag, marked SENT only on the broker's ack; a sweep
 *              publishes rows left PENDING (broker down, crash between commit and publish).
 *   parking    a message that can never be processed (no message_id, not JSON, missing or invalid
 *              headers, unknown type, too large) goes to car_node.parked with the reason, then is
 *              acked: never retried forever, never lost. A technical failure (database error) is
 *              retried with backoff, then answered TECHNICAL_FAILURE.
 *   tracing    traceparent, tracestate and baggage of a command are copied to its reply.
 *
 * Every ack comes after the commit; if even parking or the failure reply cannot be written, the
 * message is rejected back to the queue (requeued) after a pause.
 *
 * Configuration (environment): AMQP_URL (amqp://guest:guest@localhost:5672/), DATABASE_URL
 * (postgres://postgres@localhost:5432/sagaflow_car), QUEUE_TYPE (classic | quorum, as the
 * service's sagaflow.messaging.queue-type), PREFETCH (10), SWEEP_INTERVAL_MS (1000),
 * MAX_ATTEMPTS (5), MAX_PAYLOAD_BYTES (262144).
 *
 *   npm ci && node car-participant.js
 */

const crypto = require('node:crypto');
const amqp = require('amqplib');
const { Pool } = require('pg');

const config = {
  amqpUrl: process.env.AMQP_URL || 'amqp://guest:guest@localhost:5672/',
  databaseUrl: process.env.DATABASE_URL || 'postgres://postgres@localhost:5432/sagaflow_car',
  queueType: process.env.QUEUE_TYPE || 'classic',
  prefetch: Number(process.env.PREFETCH || 10),
  sweepIntervalMs: Number(process.env.SWEEP_INTERVAL_MS || 1000),
  maxAttempts: Number(process.env.MAX_ATTEMPTS || 5),
  maxPayloadBytes: Number(process.env.MAX_PAYLOAD_BYTES || 262144),
};

// ---- the contract (docs/asyncapi.yaml) --------------------------------------------------------
const PARTICIPANT = 'car';
const QUEUE = `sagaflow.participant.${PARTICIPANT}`;
const COMMANDS_EXCHANGE = 'sagaflow.commands';
const REPLIES_EXCHANGE = 'sagaflow.replies';
const H = {
  sagaId: 'sagaflow-saga-id',
  businessKey: 'sagaflow-business-key',
  step: 'sagaflow-step',
  op: 'sagaflow-op',
  attempt: 'sagaflow-attempt',
  outcome: 'sagaflow-outcome',
};
const TRACE_HEADERS = ['traceparent', 'tracestate', 'baggage'];
const OPS = ['ACTION', 'COMPENSATION'];
const HANGING_REASON = 'hanging action: compensation was processed before the action arrived';

// ---- the car rental's business rules (as the Java example's) ----------------------------------
const NO_CARS_CITY = 'Atlantis';
const MAX_DAYS = 90;
const MAX_TEXT = 255;

class PoisonMessage extends Error {}
class InvalidCommand extends Error {
  constructor(field, problem) {
    super(`invalid command: ${field} ${problem}`);
  }
}

const success = (result = {}) => ({ outcome: 'SUCCESS', result });
const businessFailure = (reason) => ({ outcome: 'BUSINESS_FAILURE', reason, result: {} });
const technicalFailure = (reason) => ({ outcome: 'TECHNICAL_FAILURE', reason, result: {} });

function text(payload, field) {
  const value = payload[field];
  if (value === undefined || value === null || String(value).trim() === '') {
    throw new InvalidCommand(field, 'is required');
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new InvalidCommand(field, 'is required');
  }
  return String(value);
}

function wholeNumber(payload, field) {
  const value = payload[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidCommand(field, 'must be a whole number');
  }
  return value;
}

const handlers = {
  'car.reserve': async (db, command) => {
    const tripId = text(command.payload, 'tripId');
    const customerId = text(command.payload, 'customerId');
    const city = text(command.payload, 'city');
    const days = wholeNumber(command.payload, 'days');
    if (tripId.length > MAX_TEXT || customerId.length > MAX_TEXT || city.length > MAX_TEXT) {
      return businessFailure(`tripId, customerId and city may have at most ${MAX_TEXT} characters`);
    }
    if (days < 1 || days > MAX_DAYS) {
      return businessFailure(`a car can be rented for 1 to ${MAX_DAYS} days, not ${days}`);
    }
    if (city.trim().toLowerCase() === NO_CARS_CITY.toLowerCase()) {
      return businessFailure(`no car available in ${city}`);
    }
    const reservationId = crypto.randomUUID();
    await db.query(
      `INSERT INTO car_node.reservation (reservation_id, saga_id, trip_id, customer_id, city, rental_days, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'RESERVED')`,
      [reservationId, command.sagaId, tripId, customerId, city, days]);
    return success({ carReservationId: reservationId });
  },
  'car.cancel': async (db, command) => {
    await db.query(
      `UPDATE car_node.reservation SET status = 'CANCELLED', cancelled_at = now()
       WHERE saga_id = $1 AND status = 'RESERVED'`, [command.sagaId]);
    return success();
  },
};

// ---- database ---------------------------------------------------------------------------------
const pool = new Pool({ connectionString: config.databaseUrl, max: 4 });
pool.on('error', (e) => log('warn', 'idle database connection failed', { error: e.message }));

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS car_node;
CREATE TABLE IF NOT EXISTS car_node.inbox (
  message_id  text PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS car_node.barrier (
  saga_id    text NOT NULL,
  step       text NOT NULL,
  op         text NOT NULL CHECK (op IN ('ACTION', 'COMPENSATION')),
  outcome    text NOT NULL CHECK (outcome IN ('SUCCESS', 'BUSINESS_FAILURE', 'TECHNICAL_FAILURE')),
  reason     text,
  result     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (saga_id, step, op));
CREATE TABLE IF NOT EXISTS car_node.reservation (
  reservation_id text PRIMARY KEY,
  saga_id        text NOT NULL,
  trip_id        text NOT NULL,
  customer_id    text NOT NULL,
  city           text NOT NULL,
  rental_days    integer NOT NULL,
  status         text NOT NULL CHECK (status IN ('RESERVED', 'CANCELLED')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  cancelled_at   timestamptz);
CREATE INDEX IF NOT EXISTS reservation_by_saga ON car_node.reservation (saga_id);
CREATE TABLE IF NOT EXISTS car_node.outbox (
  seq            bigserial PRIMARY KEY,
  message_id     text NOT NULL UNIQUE,
  routing_key    text NOT NULL,
  message_type   text NOT NULL,
  correlation_id text NOT NULL,
  headers        jsonb NOT NULL,
  payload        text NOT NULL,
  status         text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT')),
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  sent_at        timestamptz);
CREATE INDEX IF NOT EXISTS outbox_pending ON car_node.outbox (seq) WHERE status = 'PENDING';
CREATE TABLE IF NOT EXISTS car_node.parked (
  id          bigserial PRIMARY KEY,
  message_id  text,
  message_type text,
  reason      text NOT NULL,
  properties  jsonb NOT NULL,
  headers     jsonb NOT NULL,
  payload     text,
  parked_at   timestamptz NOT NULL DEFAULT now());
`;

async function migrate() {
  const db = await pool.connect();
  try {
    await db.query('SELECT pg_advisory_lock(hashtext(\'car_node schema\'))');
    await db.query(SCHEMA);
    await db.query('SELECT pg_advisory_unlock(hashtext(\'car_node schema\'))');
  } finally {
    db.release();
  }
}

async function inTransaction(work) {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    const value = await work(db);
    await db.query('COMMIT');
    return value;
  } catch (e) {
    await db.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    db.release();
  }
}

// ---- reading a command ------------------------------------------------------------------------
function headerText(headers, name) {
  const value = headers[name];
  if (value === undefined || value === null) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function requiredHeader(headers, name) {
  const value = headerText(headers, name);
  if (value === null || value.trim() === '') throw new PoisonMessage(`missing header ${name}`);
  return value;
}

/** The command as docs/asyncapi.yaml defines it, or a PoisonMessage naming what is wrong. */
function readCommand(msg) {
  const p = msg.properties;
  const headers = p.headers || {};
  if (!p.type) throw new PoisonMessage('command without type property');
  if (!p.replyTo) throw new PoisonMessage('command without reply_to property');
  const op = requiredHeader(headers, H.op);
  if (!OPS.includes(op)) throw new PoisonMessage(`invalid header: ${H.op} is ${op}`);
  const attemptText = requiredHeader(headers, H.attempt);
  if (!/^[1-9][0-9]*$/.test(attemptText)) {
    throw new PoisonMessage(`invalid header: ${H.attempt} is ${attemptText}`);
  }
  let payload;
  try {
    payload = JSON.parse(msg.content.toString('utf8'));
  } catch (e) {
    throw new PoisonMessage(`command body is not JSON: ${e.message}`);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new PoisonMessage('command body is not a JSON object');
  }
  const command = {
    messageId: p.messageId,
    type: p.type,
    replyTo: p.replyTo,
    sagaId: requiredHeader(headers, H.sagaId),
    businessKey: headerText(headers, H.businessKey),
    step: requiredHeader(headers, H.step),
    op,
    attempt: attemptText,
    trace: {},
    payload,
  };
  for (const name of TRACE_HEADERS) {
    const value = headerText(headers, name);
    if (value !== null) command.trace[name] = value;
  }
  if (!handlers[command.type]) {
    throw new PoisonMessage(`participant ${PARTICIPANT} has no handler for ${command.type}`);
  }
  return command;
}

// ---- the pipeline: inbox, barrier, business change, reply in the outbox -------------------------
async function storedAnswer(db, command, op) {
  const { rows } = await db.query(
    'SELECT outcome, reason, result FROM car_node.barrier WHERE saga_id = $1 AND step = $2 AND op = $3',
    [command.sagaId, command.step, op]);
  if (rows.length === 0) return null;
  const answer = { outcome: rows[0].outcome, result: rows[0].result };
  if (rows[0].reason !== null) answer.reason = rows[0].reason;
  return answer;
}

async function recordAnswer(db, command, op, reply) {
  await db.query(
    `INSERT INTO car_node.barrier (saga_id, step, op, outcome, reason, result)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [command.sagaId, command.step, op, reply.outcome, reply.reason ?? null, JSON.stringify(reply.result)]);
}

async function businessChange(db, command) {
  try {
    return await handlers[command.type](db, command);
  } catch (e) {
    if (e instanceof InvalidCommand) return businessFailure(e.message);
    throw e;
  }
}

/** The barrier: the first answer to (saga, step, op) is stored and is the answer to every repeat. */
async function guarded(db, command) {
  const earlier = await storedAnswer(db, command, command.op);
  if (earlier) {
    if (command.op === 'ACTION' && earlier.reason === HANGING_REASON) {
      log('info', 'refused a hanging action', { sagaId: command.sagaId, step: command.step });
    }
    return earlier;
  }
  let reply;
  if (command.op === 'ACTION') {
    reply = await businessChange(db, command);
  } else {
    const action = await storedAnswer(db, command, 'ACTION');
    if (!action) {
      // Null compensation: nothing was done; the action, should it still come, is refused.
      await recordAnswer(db, command, 'ACTION', businessFailure(HANGING_REASON));
      reply = success();
    } else if (action.outcome !== 'SUCCESS') {
      reply = success(); // the action changed nothing, so there is nothing to undo
    } else {
      reply = await businessChange(db, command);
    }
  }
  await recordAnswer(db, command, command.op, reply);
  return reply;
}

async function recordFirstDelivery(db, messageId) {
  const { rowCount } = await db.query(
    'INSERT INTO car_node.inbox (message_id) VALUES ($1) ON CONFLICT (message_id) DO NOTHING', [messageId]);
  return rowCount === 1;
}

async function appendReply(db, command, reply) {
  const headers = {
    [H.sagaId]: command.sagaId,
    ...(command.businessKey !== null ? { [H.businessKey]: command.businessKey } : {}),
    [H.step]: command.step,
    [H.op]: command.op,
    [H.attempt]: command.attempt,
    [H.outcome]: reply.outcome,
    ...command.trace,
  };
  const body = { outcome: reply.outcome };
  if (reply.reason !== undefined && reply.reason !== null) body.reason = reply.reason;
  body.result = reply.result || {};
  await db.query(
    `INSERT INTO car_node.outbox (message_id, routing_key, message_type, correlation_id, headers, payload)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [crypto.randomUUID(), command.replyTo, `${command.type}.reply`, command.messageId,
      JSON.stringify(headers), JSON.stringify(body)]);
}

/** One command, in one transaction. Returns what happened, for the log. */
async function handle(command) {
  return inTransaction(async (db) => {
    if (!(await recordFirstDelivery(db, command.messageId))) return 'duplicate';
    const reply = await guarded(db, command);
    await appendReply(db, command, reply);
    return reply.outcome;
  });
}

/** After the retries: TECHNICAL_FAILURE, not stored in the barrier (a re-sent command may succeed). */
async function answerTechnicalFailure(command, reason) {
  return inTransaction(async (db) => {
    if (!(await recordFirstDelivery(db, command.messageId))) return 'duplicate';
    await appendReply(db, command, technicalFailure(reason));
    return 'TECHNICAL_FAILURE';
  });
}

async function park(msg, reason) {
  const p = msg.properties;
  const properties = {
    message_id: p.messageId, type: p.type, correlation_id: p.correlationId, reply_to: p.replyTo,
    content_type: p.contentType, content_encoding: p.contentEncoding, delivery_mode: p.deliveryMode,
  };
  const headers = {};
  for (const [name, value] of Object.entries(p.headers || {})) {
    headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  }
  const payload = msg.content.length > config.maxPayloadBytes ? null : msg.content.toString('utf8');
  await pool.query(
    `INSERT INTO car_node.parked (message_id, message_type, reason, properties, headers, payload)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [p.messageId ?? null, p.type ?? null, reason.slice(0, 2000), JSON.stringify(properties),
      JSON.stringify(headers), payload]);
  log('warn', 'parked message', { messageId: p.messageId, type: p.type, reason });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt) => Math.min(5000, 200 * 2 ** (attempt - 1));

/** What the consumer does with one delivery; resolves to 'ack' or 'requeue'. */
async function consume(msg) {
  let command;
  try {
    if (msg.content.length > config.maxPayloadBytes) {
      throw new PoisonMessage(`payload of ${msg.content.length} bytes exceeds the limit of `
        + `${config.maxPayloadBytes} bytes`);
    }
    if (!msg.properties.messageId) throw new PoisonMessage('missing message_id property');
    command = readCommand(msg);
  } catch (e) {
    if (!(e instanceof PoisonMessage)) throw e;
    await park(msg, e.message);
    return 'ack';
  }
  let lastError;
  for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
    try {
      const what = await handle(command);
      log('info', 'handled', { type: command.type, op: command.op, sagaId: command.sagaId, messageId: command.messageId, what });
      relay.wakeUp();
      return 'ack';
    } catch (e) {
      lastError = e;
      log('warn', 'technical failure', { type: command.type, sagaId: command.sagaId, attempt, error: e.message });
      if (attempt < config.maxAttempts) await sleep(backoff(attempt));
    }
  }
  await answerTechnicalFailure(command, `${lastError.name}: ${lastError.message}`);
  relay.wakeUp();
  return 'ack';
}

// ---- the relay: outbox -> broker with publisher confirms ------------------------------------------
const relay = {
  channel: null,
  running: false,
  again: false,
  returned: new Set(),

  wakeUp() {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.run().catch((e) => log('warn', 'relay round failed; the sweep retries', { error: e.message }))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.wakeUp();
        }
      });
  },

  /** Claims PENDING rows (SKIP LOCKED: instances share the work), publishes, marks the acked ones SENT. */
  async run() {
    for (;;) {
      const channel = this.channel;
      if (!channel) return;
      const claimed = await inTransaction(async (db) => {
        const { rows } = await db.query(
          `SELECT seq, message_id, routing_key, message_type, correlation_id, headers, payload, created_at
           FROM car_node.outbox WHERE status = 'PENDING' ORDER BY seq LIMIT 100 FOR UPDATE SKIP LOCKED`);
        if (rows.length === 0) return 0;
        const confirms = rows.map((row) => new Promise((resolve) => {
          try {
            channel.publish(REPLIES_EXCHANGE, row.routing_key, Buffer.from(row.payload, 'utf8'), {
              messageId: row.message_id,
              type: row.message_type,
              correlationId: row.correlation_id,
              contentType: 'application/json',
              contentEncoding: 'UTF-8',
              deliveryMode: 2,
              timestamp: Math.floor(new Date(row.created_at).getTime() / 1000),
              headers: row.headers,
              mandatory: true,
            }, (err) => resolve(err ? `nack: ${err.message || err}` : null));
          } catch (e) {
            resolve(`publish failed: ${e.message}`);
          }
        }));
        const outcomes = await Promise.race([
          Promise.all(confirms),
          sleep(10000).then(() => rows.map(() => 'no confirm within 10 s')),
        ]);
        const sent = [];
        for (let i = 0; i < rows.length; i++) {
          const problem = outcomes[i] ?? (this.returned.delete(rows[i].message_id) ? 'unroutable (returned)' : null);
          if (problem === null) {
            sent.push(rows[i].seq);
          } else {
            await db.query(
              'UPDATE car_node.outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = $1',
              [rows[i].seq, problem]);
          }
        }
        if (sent.length > 0) {
          await db.query(
            `UPDATE car_node.outbox SET status = 'SENT', sent_at = now(), attempts = attempts + 1
             WHERE seq = ANY($1::bigint[])`, [sent]);
        }
        return sent.length === rows.length ? rows.length : 0; // a failure waits for the next sweep
      });
      if (claimed < 100) return;
    }
  },
};

// ---- wiring ---------------------------------------------------------------------------------------
function log(level, message, fields = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
}

let stopping = false;
let connection = null;

/** One connection's life: topology, confirm channel for the relay, consumer; resolves when it closes. */
async function session() {
  connection = await amqp.connect(config.amqpUrl);
  const closed = new Promise((resolve) => {
    connection.on('close', resolve);
    connection.on('error', (e) => log('warn', 'AMQP connection error', { error: e.message }));
  });
  const publisher = await connection.createConfirmChannel();
  publisher.on('return', (msg) => relay.returned.add(msg.properties.messageId));
  publisher.on('error', (e) => log('warn', 'publisher channel error', { error: e.message }));
  const consumer = await connection.createChannel();
  consumer.on('error', (e) => log('warn', 'consumer channel error', { error: e.message }));

  await consumer.assertExchange(COMMANDS_EXCHANGE, 'topic', { durable: true, autoDelete: false });
  await consumer.assertExchange(REPLIES_EXCHANGE, 'direct', { durable: true, autoDelete: false });
  const queueArguments = config.queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
  await consumer.assertQueue(QUEUE, { durable: true, exclusive: false, autoDelete: false, arguments: queueArguments });
  for (const type of Object.keys(handlers)) {
    await consumer.bindQueue(QUEUE, COMMANDS_EXCHANGE, type);
  }
  await consumer.prefetch(config.prefetch);

  relay.channel = publisher;
  relay.wakeUp(); // rows left PENDING by an earlier run or outage

  // One delivery at a time, in arrival order: the barrier's reads and writes never race here.
  let chain = Promise.resolve();
  await consumer.consume(QUEUE, (msg) => {
    if (msg === null) return; // the broker cancelled the consumer; the connection's close ends the session
    chain = chain.then(async () => {
      let verdict;
      try {
        verdict = await consume(msg);
      } catch (e) {
        log('warn', 'could not process or park a message; it goes back to the queue', {
          messageId: msg.properties.messageId, error: e.message });
        await sleep(1000);
        verdict = 'requeue';
      }
      try {
        if (verdict === 'ack') consumer.ack(msg);
        else consumer.nack(msg, false, true);
      } catch (e) {
        log('warn', 'ack failed; the broker redelivers and the inbox drops the repeat', { error: e.message });
      }
    });
  }, { noAck: false });
  log('info', 'car participant consuming', { queue: QUEUE });
  await closed;
  relay.channel = null;
  connection = null;
}

async function main() {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate();
      break;
    } catch (e) {
      log('warn', 'database not ready', { error: e.message });
      await sleep(Math.min(5000, 200 * attempt));
    }
  }
  const sweep = setInterval(() => relay.wakeUp(), config.sweepIntervalMs);
  while (!stopping) {
    try {
      await session();
      if (!stopping) log('warn', 'AMQP connection closed; reconnecting');
    } catch (e) {
      log('warn', 'AMQP connection failed; reconnecting', { error: e.message });
    }
    if (!stopping) await sleep(1000);
  }
  clearInterval(sweep);
  await pool.end();
}

async function stop() {
  if (stopping) return;
  stopping = true;
  log('info', 'stopping');
  if (connection) await connection.close().catch(() => {});
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);

main().then(() => process.exit(0), (e) => {
  log('error', 'car participant failed', { error: e.stack || e.message });
  process.exit(1);
});
