package io.sagaflow.participant;

/**
 * The command's payload misses a field or has one of the wrong type. Retrying cannot help, so the
 * kit answers a business failure that names the field: the saga compensates instead of waiting.
 */
public class InvalidCommandException extends RuntimeException {

    public InvalidCommandException(String field, String problem) {
        super("invalid command: " + field + " " + problem);
    }
}
