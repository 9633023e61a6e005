package io.sagaflow.web;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The REST API's limits.
 *
 * @param maxRequestSize larger {@code /api/**} bodies are refused with 413 before anything reads them
 * @param idempotencyRetention how long an {@code Idempotency-Key} answers a repeated request with the
 *     first answer; after that its row is deleted and the key may be used for a new request
 */
@Validated
@ConfigurationProperties("sagaflow.api")
public record ApiProperties(
        @DefaultValue("1MB") @NotNull DataSize maxRequestSize,
        @DefaultValue("PT24H") @NotNull Duration idempotencyRetention) {
}
