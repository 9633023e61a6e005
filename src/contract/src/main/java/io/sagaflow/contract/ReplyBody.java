package io.sagaflow.contract;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Body of every reply, JSON: {@code {"outcome": "SUCCESS", "reason": null, "result": {...}}}.
 *
 * @param reason why the command failed; shown in incidents and in the saga's variables
 * @param result values the step may map into process variables (e.g. a shipment id)
 */
public record ReplyBody(Outcome outcome, String reason, Map<String, Object> result) {

    public ReplyBody {
        Objects.requireNonNull(outcome, "outcome");
        result = result == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(result));
    }

    public static ReplyBody success(Map<String, Object> result) {
        return new ReplyBody(Outcome.SUCCESS, null, result);
    }

    public static ReplyBody businessFailure(String reason) {
        return new ReplyBody(Outcome.BUSINESS_FAILURE, reason, Map.of());
    }

    public static ReplyBody technicalFailure(String reason) {
        return new ReplyBody(Outcome.TECHNICAL_FAILURE, reason, Map.of());
    }
}
