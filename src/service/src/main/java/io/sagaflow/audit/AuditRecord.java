package io.sagaflow.audit;

import java.time.Instant;

/**
 * One operator action as the audit trail keeps it.
 *
 * @param seq its place in the trail (ascending, gap-free only within a transaction)
 * @param actor the user (Camunda user id) or API client id that asked for it
 * @param actorKind USER (a person: API with a Camunda account, or Cockpit) or CLIENT (an application)
 * @param via API or COCKPIT
 * @param action what was asked: {@code saga.abort}, {@code outbox.requeue}, {@code parked.replay},
 *     {@code tx-message.resolve}
 * @param sagaId the saga it was about, if any
 * @param target the message or other object it was about (message id, parked message id), if any
 * @param reason the reason the actor gave, if any
 * @param outcome DONE (it took effect), REFUSED (the service said no: not allowed, not found, not in
 *     a state for it) or FAILED (an error); a rolled-back action leaves only its refusal or failure
 * @param detail the refusal's or failure's message
 */
public record AuditRecord(long seq, Instant recordedAt, String actor, ActorKind actorKind, String via, String action,
                          String sagaId, String target, String reason, Outcome outcome, String detail) {

    public enum ActorKind { USER, CLIENT }

    public enum Outcome { DONE, REFUSED, FAILED }
}
