package org.karavel.assembly;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A command the package tests run, with its exit status and its output (stdout and stderr together). */
record CommandRun(int exit, String output) {

    /** Runs the command with no input; fails the test when it runs longer than {@code seconds}. */
    static CommandRun of(long seconds, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] out;
        try (InputStream in = process.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("timed out: " + String.join(" ", command));
        }
        return new CommandRun(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
