package org.karavel.status.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/**
 * Status check {@code server.outbound-25}: whether this machine can open an SMTP connection to the
 * probe target the operator names ({@code outbound_probe = host:port}, an address literal: many
 * hosting providers block port 25 outbound). Off (no finding) while no target is set.
 */
final class OutboundPortCheck implements StatusCheck {
    static final String NAME = "server.outbound-25";
    static final int TIMEOUT_MILLIS = 10_000;
    private final InetSocketAddress target;
    private final Executor executor;

    /** @param target null when no probe is configured */
    OutboundPortCheck(InetSocketAddress target, Executor executor) {
        this.target = target;
        this.executor = executor;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        if (target == null) {
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.supplyAsync(() -> List.of(probe()), executor);
    }

    private Finding probe() {
        String where = target.getAddress().getHostAddress() + ":" + target.getPort();
        try (Socket s = new Socket()) {
            s.connect(target, TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            InputStream in = s.getInputStream();
            String greeting = new String(in.readNBytes(3), StandardCharsets.US_ASCII);
            if (greeting.equals("220")) {
                return Finding.ok(NAME, Finding.SERVER, "An SMTP connection to " + where + " was greeted");
            }
            return Finding.warning(
                    NAME,
                    Finding.SERVER,
                    where + " answered \"" + greeting + "\", not an SMTP greeting",
                    "Check outbound_probe in etc/org.karavel.status.cfg");
        } catch (IOException e) {
            return Finding.error(
                    NAME,
                    Finding.SERVER,
                    "No SMTP connection to " + where + ": " + e.getMessage(),
                    "Many providers block outbound port 25: ask yours to open it, or relay through a smarthost (etc/karavel.transport)");
        }
    }

    /** {@code 192.0.2.1:25} or {@code [2001:db8::1]:25}; null when empty. */
    static InetSocketAddress parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            return null;
        }
        int colon = t.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("outbound_probe: host:port, e.g. 192.0.2.1:25, not \"" + t + "\"");
        }
        String host = t.substring(0, colon).replace("[", "").replace("]", "");
        if (!host.matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException(
                    "outbound_probe: an IP address (names are not looked up here), not \"" + host + "\"");
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("outbound_probe: not a port: \"" + t.substring(colon + 1) + "\"");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (IOException e) {
            throw new IllegalArgumentException("outbound_probe: not an address: \"" + host + "\"");
        }
    }
}
