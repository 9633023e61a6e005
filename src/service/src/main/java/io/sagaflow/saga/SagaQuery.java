package io.sagaflow.saga;

import java.time.Instant;

import io.sagaflow.start.SagaStatus;

/**
 * Filters and page of a saga search; {@code null} filters match everything.
 *
 * @param definitionVersion only sagas running on (or ended on) this version of their definition
 * @param startedBy only sagas this caller started (a client sees its own sagas only)
 * @param page zero-based page number
 * @param size sagas per page
 * @param pastDeadline only sagas whose saga deadline has passed while they ran
 */
record SagaQuery(String processKey, String businessKey, SagaStatus status, Instant startedAfter,
                 Integer definitionVersion, String startedBy, int page, int size, boolean pastDeadline) {

    SagaQuery(String processKey, String businessKey, SagaStatus status, Instant startedAfter,
              Integer definitionVersion, String startedBy, int page, int size) {
        this(processKey, businessKey, status, startedAfter, definitionVersion, startedBy, page, size, false);
    }
}
