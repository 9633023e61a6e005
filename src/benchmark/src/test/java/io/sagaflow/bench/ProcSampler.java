package io.sagaflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * CPU and resident memory of another process, from {@code /proc/<pid>/stat} (utime + stime, in
 * clock ticks) and {@code /proc/<pid>/status} (VmRSS), sampled once a second while a phase runs.
 */
final class ProcSampler implements AutoCloseable {

    record Usage(double cpuCores, double maxRssMb, double lastRssMb) {
    }

    private final long pid;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    private final long startTicks;
    private final long startNanos;
    private volatile double maxRssMb;
    private volatile double lastRssMb;

    ProcSampler(long pid) {
        this.pid = pid;
        this.startTicks = cpuTicks(pid);
        this.startNanos = System.nanoTime();
        sampler.scheduleAtFixedRate(this::sampleRss, 0, 1, TimeUnit.SECONDS);
    }

    private void sampleRss() {
        double rss = rssMb(pid);
        lastRssMb = rss;
        maxRssMb = Math.max(maxRssMb, rss);
    }

    Usage usage() {
        sampleRss();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double cpuSeconds = (cpuTicks(pid) - startTicks) / ProcStat.TICKS_PER_SECOND;
        return new Usage(cpuSeconds / seconds, maxRssMb, lastRssMb);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }

    static long cpuTicks(long pid) {
        ProcStat stat = ProcStat.of(pid);
        return stat == null ? 0 : stat.ownTicks();
    }

    static double rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }
}
