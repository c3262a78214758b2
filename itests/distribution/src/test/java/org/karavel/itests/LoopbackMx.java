package org.karavel.itests;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * The distribution unpacked under target/, its listeners on loopback (the MX one on {@link #port}),
 * the test's etc/ settings written before it starts, started and greeting; and the one-message
 * sessions a test opens to it from 127.0.0.1.
 */
final class LoopbackMx implements AutoCloseable {
    /** 127.0.0.1 as the one relay host, mail for local users delivered to Maildirs under data/mail. */
    static final Map<String, Map<String, String>> RELAY_FROM_LOOPBACK =
            Map.of("org.karavel.relay.cfg", Map.of("relay_hosts", "127.0.0.1/32"));

    final Distribution karavel;
    final int port;

    private LoopbackMx(Distribution karavel, int port) {
        this.karavel = karavel;
        this.port = port;
    }

    /** Unpacks into target/{@code name}, writes {@code settings} (etc/ file → keys), starts, waits for 220. */
    static LoopbackMx start(String name, Map<String, Map<String, String>> settings)
            throws IOException, InterruptedException {
        Distribution karavel = Distribution.unpack(name);
        int port = KaravelContainer.freePort();
        try {
            karavel.listenersOnLoopback(port);
            for (Map.Entry<String, Map<String, String>> file : settings.entrySet()) {
                karavel.configure(file.getKey(), file.getValue());
            }
            karavel.start();
            Distribution.awaitSmtp(port);
        } catch (IOException | RuntimeException | Error e) {
            karavel.close(); // a distribution that did not come up must not outlive the test class
            throw e;
        }
        return new LoopbackMx(karavel, port);
    }

    /**
     * Settings that send mail for remote.test to the sink, found through the test's DNS server (it gets
     * remote.test's MX record here), and retry a failed delivery within two seconds.
     */
    static Map<String, Map<String, String>> relayingTo(LoopbackDnsServer dns, SmtpSink sink) {
        dns.add("remote.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("mx.remote.test", Type.A, "127.0.0.1", 60);
        return Map.of(
                "org.karavel.dns.cfg",
                Map.of("servers", dns.address()),
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port",
                        Integer.toString(sink.port()),
                        "min_backoff_seconds",
                        "1",
                        "max_backoff_seconds",
                        "2"));
    }

    /**
     * One message from sender@client.test in its own session from 127.0.0.1: the final reply (or the
     * first refusal), {@code no reply} or {@code I/O error: ...}, so that a test may poll on it.
     */
    String send(String to, String content) {
        try (SmtpClient c = new SmtpClient("127.0.0.1", port, new InetSocketAddress("127.0.0.1", 0))) {
            c.readReply();
            c.command("EHLO client.test");
            String r = c.sendMail("sender@client.test", List.of(to), content);
            return r == null ? "no reply" : r;
        } catch (IOException e) {
            return "I/O error: " + e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        karavel.close();
    }
}
