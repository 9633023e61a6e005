package io.sagaflow.saga;

import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Automatic pause instead of mass compensation, per participant and off unless listed: when the
 * steps sent to a participant fail technically or miss their deadline {@code failures} times within
 * {@code window}, the participant is paused ({@link ParticipantPauses}) and an operator is told.
 *
 * <pre>
 * sagaflow.auto-pause.participants:
 *   - command-prefix: payment.
 *     failures: 20
 *     window: PT1M
 * </pre>
 *
 * Each orchestrator instance counts what it sees (the replies and deadlines it judges); the pause it
 * places holds for all of them.
 */
@Validated
@ConfigurationProperties("sagaflow.auto-pause")
record AutoPauseProperties(@DefaultValue @Valid List<Participant> participants) {

    /**
     * @param commandPrefix the participant's command names start with it, e.g. {@code payment.}
     * @param failures technical failures and deadline misses that pause it
     * @param window within this time
     */
    record Participant(@NotNull @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,199}") String commandPrefix,
                       @Min(1) int failures, @NotNull Duration window) {
    }
}
