package io.sagaflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One line of {@code /proc/<pid>/stat} or {@code /proc/<pid>/task/<tid>/stat}: the command name,
 * the CPU the process (or thread) used itself and the CPU of the children it reaped, in clock ticks
 * (USER_HZ: 100 on every mainstream architecture, {@code getconf CLK_TCK}).
 */
record ProcStat(String command, long ownTicks, long reapedChildrenTicks) {

    static final double TICKS_PER_SECOND = 100.0;

    /** @return {@code null} if the process ended or the file is unreadable */
    static ProcStat read(Path statFile) {
        try {
            String stat = Files.readString(statFile);
            // The command may contain spaces and parentheses: it ends at the last ')'.
            String command = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // utime, stime, cutime, cstime are fields 14-17 of proc(5); here counted from field 3.
            return new ProcStat(command, Long.parseLong(fields[11]) + Long.parseLong(fields[12]),
                    Long.parseLong(fields[13]) + Long.parseLong(fields[14]));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static ProcStat of(long pid) {
        return read(Path.of("/proc", Long.toString(pid), "stat"));
    }
}
