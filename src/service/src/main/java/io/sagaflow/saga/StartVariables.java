package io.sagaflow.saga;

import java.util.List;

/**
 * The variables a saga's start carries, as its process declares them in
 * {@value SagaModel#START_VARIABLES_PROPERTY}: {@code orderId,customerId,amount,simulate?} (a
 * trailing {@code ?} marks an optional one).
 */
record StartVariables(List<String> required, List<String> optional) {

    /** @return {@code null} if the process declares none */
    static StartVariables of(String declaration) {
        if (declaration == null || declaration.isBlank()) {
            return null;
        }
        List<String> names = PayloadMapping.entries(declaration);
        return new StartVariables(
                names.stream().filter(name -> !name.endsWith("?")).toList(),
                names.stream().filter(name -> name.endsWith("?"))
                        .map(name -> name.substring(0, name.length() - 1).trim()).toList());
    }

    List<String> all() {
        return java.util.stream.Stream.concat(required.stream(), optional.stream()).toList();
    }
}
