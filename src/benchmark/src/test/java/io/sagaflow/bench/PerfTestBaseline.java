package io.sagaflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RabbitMQ's PerfTest as the physical ceiling of the relay: one producer with the relay's confirm
 * window and message size, persistent messages, one auto-ack consumer, in its own JVM (the test
 * classpath has it) on the benchmark's vhost.
 */
final class PerfTestBaseline {

    private static final Pattern SENDING_RATE = Pattern.compile("sending rate avg: (\\d+) msg/s");
    private static final Pattern CONFIRM_LATENCY = Pattern.compile(
            "confirm latency min/median/75th/95th/99th (\\d+)/(\\d+)/(\\d+)/(\\d+)/(\\d+) µs");

    private PerfTestBaseline() {
    }

    static RelayRun run(BenchSettings settings, int repetition) throws IOException, InterruptedException {
        Path log = Path.of("target", "benchmark", "perftest-" + repetition + ".log");
        Files.createDirectories(log.getParent());
        CpuBudget cpu = CpuBudget.start(0); // PerfTest's own JVM counts as load once reaped, start-up included
        Process perfTest = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "com.rabbitmq.perf.PerfTest",
                "--uri", settings.amqpUri(),
                "--producers", "1", "--consumers", "1", "--autoack",
                "--size", Integer.toString(settings.payloadBytes()),
                "--confirm", Integer.toString(settings.confirmWindow()),
                "--flag", "persistent",
                "--queue", "sagaflow.bench.perftest", "--auto-delete", "true",
                "--time", Long.toString(settings.perfTestDuration().toSeconds())))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!perfTest.waitFor(settings.perfTestDuration().toSeconds() + 60, TimeUnit.SECONDS)) {
            perfTest.destroyForcibly();
            throw new IllegalStateException("PerfTest did not finish, see " + log);
        }
        String output = Files.readString(log);
        Matcher rate = SENDING_RATE.matcher(output);
        Matcher latency = CONFIRM_LATENCY.matcher(output);
        if (!rate.find()) {
            throw new IllegalStateException("no sending rate in PerfTest's output, see " + log);
        }
        boolean hasLatency = latency.find();
        double rateValue = Double.parseDouble(rate.group(1));
        int messages = (int) (rateValue * settings.perfTestDuration().toSeconds());
        return new RelayRun("rabbitmq perf-test", messages, rateValue,
                hasLatency ? Long.parseLong(latency.group(2)) / 1000.0 : Double.NaN,
                hasLatency ? Long.parseLong(latency.group(4)) / 1000.0 : Double.NaN,
                hasLatency ? Long.parseLong(latency.group(5)) / 1000.0 : Double.NaN)
                .withCpu(cpu.microsEach(messages));
    }
}
