package io.sagaflow.saga;

import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;

import io.sagaflow.support.Sha256;

/**
 * SHA-256 of a saga's start variables, independent of their order and of how a number was written
 * ({@code 99.5} and {@code 99.50} are the same amount). Two starts with the same business key are the
 * same request exactly when their fingerprints are equal.
 */
final class InputFingerprint {

    private InputFingerprint() {
    }

    static String of(Map<String, ?> variables) {
        StringBuilder canonical = new StringBuilder();
        new TreeMap<>(variables).forEach((name, value) -> canonical.append(name.length()).append(':').append(name)
                .append('=').append(canonical(value)).append('\n'));
        return Sha256.hex(canonical.toString());
    }

    private static String canonical(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Number number && !(number instanceof Double d && !Double.isFinite(d))) {
            return "n:" + new BigDecimal(number.toString()).stripTrailingZeros().toPlainString();
        }
        if (value instanceof Boolean || value instanceof CharSequence) {
            String text = value.toString();
            return (value instanceof Boolean ? "b:" : "s:") + text.length() + ":" + text;
        }
        String text = value.toString();
        return "o:" + value.getClass().getName() + ":" + text.length() + ":" + text;
    }
}
