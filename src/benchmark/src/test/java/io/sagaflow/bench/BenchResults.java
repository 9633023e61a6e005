package io.sagaflow.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Every measured run of one benchmark execution; the report takes medians from here. */
final class BenchResults {

    final BenchSettings settings;
    final List<SagaLoad.SagaRun> outboxFixed = new ArrayList<>();
    final List<SagaLoad.SagaRun> outboxFull = new ArrayList<>();
    final List<SagaLoad.SagaRun> naiveFull = new ArrayList<>();
    final List<SagaLoad.SagaRun> pollingFixed = new ArrayList<>();
    /** At {@code step-latency-rate} (10/s), well below capacity: the relay's latency, not a queue's. */
    final List<SagaLoad.SagaRun> outboxStepRate = new ArrayList<>();
    final List<SagaLoad.SagaRun> pollingStepRate = new ArrayList<>();
    final List<SagaLoad.SagaRun> embeddedFixed = new ArrayList<>();
    final List<SagaLoad.SagaRun> embeddedFull = new ArrayList<>();
    /** Trips at full speed: car, hotel, flight one after the other, and car, then hotel and flight in parallel. */
    final List<SagaLoad.SagaRun> tripStraightFull = new ArrayList<>();
    final List<SagaLoad.SagaRun> tripParallelFull = new ArrayList<>();
    final List<SagaLoad.SagaRun> tripStraightLowRate = new ArrayList<>();
    final List<SagaLoad.SagaRun> tripParallelLowRate = new ArrayList<>();
    final List<RelayRun> relayThroughput = new ArrayList<>();
    final List<RelayRun> relayWriteAndPublish = new ArrayList<>();
    final List<RelayRun> relayLatency = new ArrayList<>();
    final List<RelayRun> perfTest = new ArrayList<>();
    final List<RelayRun> modulith = new ArrayList<>();
    final List<String> failedPhases = new ArrayList<>();
    double durationSeconds;

    BenchResults(BenchSettings settings) {
        this.settings = settings;
    }

    static <T> double median(List<T> runs, ToDoubleFunction<T> figure) {
        return Stats.median(runs.stream().map(run -> figure.applyAsDouble(run)).toList());
    }
}
