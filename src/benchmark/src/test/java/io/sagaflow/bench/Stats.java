package io.sagaflow.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** Percentiles (nearest rank) and the median of repeated runs. */
final class Stats {

    private Stats() {
    }

    static double percentile(long[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double percentile(Collection<Long> values, double p) {
        return percentile(values.stream().mapToLong(Long::longValue).toArray(), p);
    }

    static double median(List<Double> runs) {
        double[] sorted = runs.stream().filter(v -> !Double.isNaN(v)).mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
