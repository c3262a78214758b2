package org.karavel.status.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/**
 * Status check {@code server.clock}: the clock is synchronised (systemd's {@code timedatectl}), since
 * DKIM signatures, TLS certificates and greylisting all read it.
 */
final class ClockCheck implements StatusCheck {
    static final String NAME = "server.clock";
    private final Executor executor;
    private final List<String> command;

    ClockCheck(Executor executor) {
        this(executor, List.of("timedatectl", "show", "--property=NTPSynchronized", "--value"));
    }

    ClockCheck(Executor executor, List<String> command) {
        this.executor = executor;
        this.command = command;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        return CompletableFuture.supplyAsync(() -> List.of(judge(ask())), executor);
    }

    /** What timedatectl answered, or null when it could not be asked. */
    private String ask() {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readNBytes(1024), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static Finding judge(String answer) {
        if (answer == null) {
            return Finding.warning(
                    NAME,
                    Finding.SERVER,
                    "Whether the clock is synchronised cannot be told (no timedatectl)",
                    "Run an NTP client (systemd-timesyncd, chrony) and check it yourself");
        }
        if (answer.equals("yes")) {
            return Finding.ok(NAME, Finding.SERVER, "The clock is synchronised (NTP)");
        }
        return Finding.error(
                NAME,
                Finding.SERVER,
                "The clock is not synchronised: signatures, certificates and greylisting read it",
                "timedatectl set-ntp true (or install chrony)");
    }
}
