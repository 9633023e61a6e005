package io.sagaflow.txmessage;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A transactional message as the API shows it. Its fields are always present (null if not known),
 * so clients can rely on {@code lastCheckAt} being there.
 *
 * @param checks check-backs sent so far
 * @param nextCheckAt when the next check-back is due (HALF only)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
record TxMessageView(String id, TxMessageState state, int checks, Instant lastCheckAt, CheckResult lastCheckResult,
                     String producerGroup, String exchange, String routingKey, String type, Instant createdAt,
                     Instant nextCheckAt, DecidedBy decidedBy, Instant decidedAt) {

    static TxMessageView of(StoredTxMessage message) {
        return new TxMessageView(message.id(), message.state(), message.checks(), message.lastCheckAt(),
                message.lastCheckResult(), message.producerGroup(), message.exchange(), message.routingKey(),
                message.type(), message.createdAt(),
                message.state() == TxMessageState.HALF ? message.nextCheckAt() : null, message.decidedBy(),
                message.decidedAt());
    }
}
