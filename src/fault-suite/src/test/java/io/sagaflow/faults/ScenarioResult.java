package io.sagaflow.faults;

import java.time.Duration;

/**
 * One line of the summary table.
 *
 * @param inFlightAtFaults sagas that had started and not ended, and start requests not yet answered, when a
 *     fault began, summed over the faults
 * @param retriedStarts start requests that failed (service killed, database down) and were sent again
 * @param existingSagaAnswers retries answered 200 with the saga a lost attempt had started
 */
record ScenarioResult(String scenario, int sagas, int completed, int compensated, int duplicatesInjected,
                      int kills, int inFlightAtFaults, int lost, int doubleEffects, int deadlineCompensations, int nullCompensations, int hanging,
                      int retriedStarts, int existingSagaAnswers, Duration duration) {

    static final String HEADER = String.format("%-28s %6s %9s %11s %10s %5s %9s %4s %14s %13s %9s %7s %7s %8s %8s",
            "scenario", "sagas", "completed", "compensated", "duplicates", "kills", "in-flight", "lost", "double-effects", "deadline-comp",
            "null-comp", "hanging", "retried", "existing", "seconds");

    String line() {
        return String.format("%-28s %6d %9d %11d %10d %5d %9d %4d %14d %13d %9d %7d %7d %8d %8d", scenario, sagas, completed,
                compensated, duplicatesInjected, kills, inFlightAtFaults, lost, doubleEffects, deadlineCompensations, nullCompensations, hanging,
                retriedStarts, existingSagaAnswers, duration.toSeconds());
    }
}
