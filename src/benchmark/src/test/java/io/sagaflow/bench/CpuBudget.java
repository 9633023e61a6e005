package io.sagaflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the machine's CPU went during a measured window, by process: PostgreSQL (every
 * {@code postgres} process), RabbitMQ (the Erlang VM, {@code beam.smp}), the service JVM, the
 * benchmark's own JVM with the children it ran and reaped (PerfTest), and the rest of the machine
 * ({@code /proc/stat}'s busy time minus those). Divided by the messages (or sagas) of the window, it
 * says what one cost each of them: where everything shares the cores, the ceiling is the cores
 * divided by the sum, and a baseline that skips a part (PerfTest has no database) shows its share.
 *
 * <p>Ticks ({@link ProcStat}) are read per process, so each figure is good to a few ticks per
 * process; a window of a few seconds on 2 cores holds several hundred.
 */
final class CpuBudget {

    static final String POSTGRESQL = "postgresql";
    static final String RABBITMQ = "rabbitmq";
    static final String SERVICE = "service";
    static final String LOAD = "load";
    static final String REST = "rest";
    static final String MACHINE_BUSY = "machine";

    /** The groups above in report order; {@code machine} is all busy time, so the others add up to it. */
    static final List<String> GROUPS = List.of(POSTGRESQL, RABBITMQ, SERVICE, LOAD, REST, MACHINE_BUSY);

    private final long servicePid;
    private final Map<String, Long> startTicks;
    private final Map<String, Long> startServiceThreadTicks;

    private CpuBudget(long servicePid) {
        this.servicePid = servicePid;
        this.startTicks = ticksByGroup(servicePid);
        this.startServiceThreadTicks = ticksByThreadName(servicePid);
    }

    /** Starts a window; {@code servicePid} is 0 when no service JVM runs (the baselines). */
    static CpuBudget start(long servicePid) {
        return new CpuBudget(servicePid);
    }

    /**
     * Ends the window: microseconds of CPU per unit of work ({@code count} confirmed messages, or
     * completed sagas) for each of {@link #GROUPS}, then for each of the service's threads.
     */
    Map<String, Double> microsEach(int count) {
        Map<String, Long> end = ticksByGroup(servicePid);
        Map<String, Long> endThreads = ticksByThreadName(servicePid);
        Map<String, Double> perUnit = new LinkedHashMap<>();
        end.forEach((group, ticks) -> perUnit.put(group, micros(ticks - startTicks.get(group), count)));
        // Then the service's share by thread (threads that ended in the window are in no line).
        endThreads.forEach((thread, ticks) -> {
            double micros = micros(ticks - startServiceThreadTicks.getOrDefault(thread, 0L), count);
            if (micros >= 0.5) {
                perUnit.put(SERVICE + "/" + thread, micros);
            }
        });
        return perUnit;
    }

    private static double micros(long ticks, int count) {
        return Math.round(ticks / ProcStat.TICKS_PER_SECOND * 1e6 / count * 10) / 10.0;
    }

    /** The service JVM's threads, by name with digits folded ({@code outbox-relay-#}): the JVM names its native threads. */
    private static Map<String, Long> ticksByThreadName(long servicePid) {
        Map<String, Long> byName = new LinkedHashMap<>();
        if (servicePid == 0) {
            return byName;
        }
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(servicePid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                ProcStat stat = ProcStat.read(Path.of(task.toString(), "stat"));
                if (stat != null) {
                    byName.merge(stat.command().replaceAll("[0-9]+", "#"), stat.ownTicks(), Long::sum);
                }
            }
        } catch (IOException e) {
            return byName; // the service ended
        }
        return byName;
    }

    private static Map<String, Long> ticksByGroup(long servicePid) {
        long postgres = 0;
        long rabbit = 0;
        long service = 0;
        long self = ProcessHandle.current().pid();
        long load = 0;
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : (Iterable<Path>) processes::iterator) {
                String name = process.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                ProcStat stat = ProcStat.read(process.resolve("stat"));
                if (stat == null) {
                    continue; // ended while we listed
                }
                if (pid == servicePid) {
                    service += stat.ownTicks();
                } else if (pid == self) {
                    load += stat.ownTicks() + stat.reapedChildrenTicks(); // PerfTest runs as a child
                } else if (stat.command().equals("postgres")) {
                    // The postmaster reaps what ended: autovacuum workers, closed connections. Without
                    // their CPU, autovacuum's share counted as "rest".
                    postgres += stat.ownTicks() + stat.reapedChildrenTicks();
                } else if (stat.command().equals("beam.smp")) {
                    rabbit += stat.ownTicks();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc", e);
        }
        long busy = machineBusyTicks();
        Map<String, Long> groups = new LinkedHashMap<>();
        groups.put(POSTGRESQL, postgres);
        groups.put(RABBITMQ, rabbit);
        groups.put(SERVICE, service);
        groups.put(LOAD, load);
        groups.put(REST, busy - postgres - rabbit - service - load);
        groups.put(MACHINE_BUSY, busy);
        return groups;
    }

    /**
     * The first line of /proc/stat: user nice system idle iowait irq softirq steal ...; busy is
     * user, nice, system, irq and softirq (time stolen by the hypervisor was nobody's work here).
     */
    private static long machineBusyTicks() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i <= 7; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(fields[i]);
                }
            }
            return busy;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/stat", e);
        }
    }
}
