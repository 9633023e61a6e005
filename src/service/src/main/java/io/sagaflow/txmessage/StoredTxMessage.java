package io.sagaflow.txmessage;

import java.time.Instant;
import java.util.Map;

/** A row of {@code sagaflow.tx_message}. */
record StoredTxMessage(String id, String producerGroup, String exchange, String routingKey, String type,
                       Map<String, String> headers, String payload, TxMessageState state, int checks,
                       Instant nextCheckAt, Instant lastCheckAt, CheckResult lastCheckResult, DecidedBy decidedBy,
                       Instant decidedAt, Instant createdAt) {
}
