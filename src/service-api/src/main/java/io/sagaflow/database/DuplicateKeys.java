package io.sagaflow.database;

import java.sql.SQLException;

import org.springframework.dao.DuplicateKeyException;

/** Recognises a unique-constraint violation however deep an engine or a framework wrapped it. */
public final class DuplicateKeys {

    /** SQLSTATE of a unique violation, on PostgreSQL and H2 alike. */
    private static final String UNIQUE_VIOLATION = "23505";

    private DuplicateKeys() {
    }

    public static boolean isCause(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof DuplicateKeyException
                    || cause instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }
}
