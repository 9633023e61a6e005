package io.sagaflow.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which phases a benchmark run takes, and in which order (the order moves CPU-per-saga ratios). */
class BenchSettingsTests {

    @AfterEach
    void clearOnly() {
        System.clearProperty("sagaflow.bench.only");
    }

    @Test
    void aFullRunTakesEveryPhaseOnce() {
        assertThat(settings("").phaseOrder()).containsExactlyElementsOf(BenchSettings.PHASES);
    }

    @Test
    void theListedOrderIsKeptAndRepeatsRunAgain() {
        assertThat(settings("naive,sagas,sagas,naive").phaseOrder())
                .containsExactly("naive", "outbox", "outbox", "naive");
    }

    @Test
    void sagasAndRelayShareOneOutboxPhase() {
        assertThat(settings("sagas,relay,naive").phaseOrder()).containsExactly("outbox", "naive");
        assertThat(settings("relay,perftest").phaseOrder()).containsExactly("outbox", "perftest");
        assertThat(settings("relay,perftest").runs("sagas")).isFalse();
    }

    private static BenchSettings settings(String only) {
        System.setProperty("sagaflow.bench.only", only);
        return BenchSettings.fromSystemProperties();
    }
}
