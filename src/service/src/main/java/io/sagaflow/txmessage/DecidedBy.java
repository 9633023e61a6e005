package io.sagaflow.txmessage;

/** Who decided a transactional message's fate; kept on the row for operators. */
enum DecidedBy {
    /** The producer's commit or rollback request (REST or AMQP). */
    PRODUCER,
    /** The producer's answer to a check-back. */
    CHECK_BACK,
    /** An operator's resolve of a PARKED message. */
    OPERATOR
}
