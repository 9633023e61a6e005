package io.sagaflow.faults;

import java.time.Duration;

/** One line of the summary table. */
record ScenarioResult(String scenario, int sagas, int completed, int compensated, int duplicatesInjected,
                      int kills, int lost, int doubleEffects, int deadlineCompensations, int nullCompensations, int hanging,
                      Duration duration) {

    static final String HEADER = String.format("%-28s %6s %9s %11s %10s %5s %4s %14s %13s %9s %7s %8s",
            "scenario", "sagas", "completed", "compensated", "duplicates", "kills", "lost", "double-effects", "deadline-comp",
            "null-comp", "hanging", "seconds");

    String line() {
        return String.format("%-28s %6d %9d %11d %10d %5d %4d %14d %13d %9d %7d %8d", scenario, sagas, completed,
                compensated, duplicatesInjected, kills, lost, doubleEffects, deadlineCompensations, nullCompensations, hanging,
                duration.toSeconds());
    }
}
