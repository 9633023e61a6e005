/**
 * The audit trail of operator actions: who repaired what, when, why, and with what outcome, written
 * in the transaction of the action ({@link io.sagaflow.audit.Audit}), append-only, read with
 * {@code GET /api/audit} and exported as JSON Lines.
 */
package io.sagaflow.audit;
