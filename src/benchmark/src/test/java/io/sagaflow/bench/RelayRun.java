package io.sagaflow.bench;

import java.util.Map;

/**
 * One relay measurement: how many messages per second were confirmed, how long a message took
 * from its commit to the broker's confirm (milliseconds; NaN where not measured) and, where
 * measured, the CPU one message cost each process ({@link CpuBudget}, microseconds; else null).
 */
record RelayRun(String label, int messages, double messagesPerSecond, double p50Ms, double p95Ms, double p99Ms,
                Map<String, Double> cpuMicrosPerMessage) {

    RelayRun(String label, int messages, double messagesPerSecond, double p50Ms, double p95Ms, double p99Ms) {
        this(label, messages, messagesPerSecond, p50Ms, p95Ms, p99Ms, null);
    }

    RelayRun withCpu(Map<String, Double> microsPerMessage) {
        return new RelayRun(label, messages, messagesPerSecond, p50Ms, p95Ms, p99Ms, microsPerMessage);
    }

    /** Throughput of a backlog released at one moment: messages / (last delivery − release). */
    static RelayRun drained(String label, int messages, long releasedAtMicros, long lastDeliveryMicros) {
        double seconds = Math.max(1, lastDeliveryMicros - releasedAtMicros) / 1e6;
        return new RelayRun(label, messages, messages / seconds, Double.NaN, Double.NaN, Double.NaN);
    }

    /** From [written, confirmed] pairs in microseconds. */
    static RelayRun of(String label, long[][] writtenAndConfirmed, boolean withLatency) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long[] latencies = new long[writtenAndConfirmed.length];
        for (int i = 0; i < writtenAndConfirmed.length; i++) {
            first = Math.min(first, writtenAndConfirmed[i][0]);
            last = Math.max(last, writtenAndConfirmed[i][1]);
            latencies[i] = writtenAndConfirmed[i][1] - writtenAndConfirmed[i][0];
        }
        double seconds = Math.max(1, last - first) / 1e6;
        return new RelayRun(label, writtenAndConfirmed.length, writtenAndConfirmed.length / seconds,
                withLatency ? Stats.percentile(latencies, 50) / 1000.0 : Double.NaN,
                withLatency ? Stats.percentile(latencies, 95) / 1000.0 : Double.NaN,
                withLatency ? Stats.percentile(latencies, 99) / 1000.0 : Double.NaN);
    }
}
