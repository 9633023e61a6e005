package io.sagaflow.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Runs the operator commands the suites use to inject faults (rabbitmqctl, pg_ctlcluster). */
final class Shell {

    private Shell() {
    }

    /** Runs the command and fails with its output if it exits non-zero. */
    static Void run(String... command) {
        if (!attempt(command)) {
            throw new IllegalStateException(String.join(" ", command) + " failed");
        }
        return null;
    }

    /** Runs the command and returns its output; fails if it exits non-zero. */
    static String output(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether the command exits 0; prints nothing (for polling). */
    static boolean quietly(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs the command; a non-zero exit (e.g. deleting what does not exist) is only reported. */
    static boolean attempt(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean succeeded = process.waitFor() == 0;
            System.out.printf("[faults] %s%s%n", String.join(" ", command), succeeded ? "" : " failed: " + output.strip());
            return succeeded;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
