package org.karavel.itests;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code bin/client "command"} as an operator's script runs it: no terminal, standard input empty,
 * logged in as the console user that bin/setenv generates. Returns the exit code and what it printed.
 */
final class KarafClient {
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0
                    && !output.contains("Session has been closed")
                    && !output.contains("Authentication failed")
                    && !output.contains("Error executing command")
                    && !output.contains("Command not found");
        }
    }

    private KarafClient() {}

    static Result run(Path home, String command) throws IOException, InterruptedException {
        return run(home, command, Duration.ofSeconds(120));
    }

    static Result run(Path home, String command, Duration timeout) throws IOException, InterruptedException {
        return run(
                new ProcessBuilder(home.resolve("bin/client").toString(), command),
                home,
                new File("/dev/null"),
                command,
                timeout);
    }

    /**
     * {@code bin/client} with no command, as an operator logs in: the interactive console (banner,
     * prompt) reads the lines typed, e.g. {@code "logout\n"}.
     */
    static Result login(Path home, String typed) throws IOException, InterruptedException {
        Path input = Files.createTempFile(home, "typed", ".txt");
        try {
            Files.writeString(input, typed);
            return run(
                    new ProcessBuilder(home.resolve("bin/client").toString()),
                    home,
                    input.toFile(),
                    "(interactive)",
                    Duration.ofSeconds(120));
        } finally {
            Files.deleteIfExists(input);
        }
    }

    private static Result run(ProcessBuilder pb, Path home, File input, String command, Duration timeout)
            throws IOException, InterruptedException {
        pb.directory(home.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // the client JVM lives two seconds: the C2 compiler only took CPU from the server under test
        // (HotSwapIT runs 38 clients while its load keeps both cores busy); what it sends is the same
        pb.environment().put("EXTRA_JAVA_OPTS", "-XX:TieredStopAtLevel=1");
        pb.redirectErrorStream(true);
        pb.redirectInput(ProcessBuilder.Redirect.from(input));
        Process p = pb.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "I/O error: " + e;
            }
        });
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        "bin/client \"" + command + "\" did not finish within " + timeout.toSeconds() + " s");
            }
            return new Result(p.exitValue(), output.get(10, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("output of bin/client \"" + command + "\"", e);
        } finally {
            p.destroyForcibly();
        }
    }
}
