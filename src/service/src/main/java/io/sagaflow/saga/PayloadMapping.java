package io.sagaflow.saga;

import java.util.Arrays;
import java.util.List;

/**
 * The two mappings between process variables and a message a saga step writes in its inputs:
 * {@code payloadVariables} ({@code variable} or {@code field=variable}: a subscription saga sends its
 * {@code signupId} as the payment's {@code orderId} with {@code orderId=signupId}) and
 * {@code resultVariables} ({@code field} or {@code field:variable}).
 */
final class PayloadMapping {

    /** One payload field and the variable it is read from. */
    record Field(String field, String variable) {
    }

    private PayloadMapping() {
    }

    static List<Field> parse(Object payloadVariables) {
        return entries(payloadVariables).stream().map(entry -> {
            String[] fieldAndVariable = entry.split("=", 2);
            String field = fieldAndVariable[0].trim();
            return new Field(field, fieldAndVariable.length == 2 ? fieldAndVariable[1].trim() : field);
        }).toList();
    }

    /** The variables a SUCCESS reply's result is copied into. */
    static List<String> resultVariables(Object resultVariables) {
        return entries(resultVariables).stream().map(entry -> {
            String[] fieldAndVariable = entry.split(":", 2);
            return (fieldAndVariable.length == 2 ? fieldAndVariable[1] : fieldAndVariable[0]).trim();
        }).toList();
    }

    static List<String> entries(Object commaSeparated) {
        if (commaSeparated == null) {
            return List.of();
        }
        return Arrays.stream(commaSeparated.toString().split(","))
                .map(String::trim)
                .filter(name -> !name.isEmpty())
                .toList();
    }
}
