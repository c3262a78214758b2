package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * The distribution as an operator runs it: mail is accepted while the next hop defers it, the JVM is
 * killed with SIGKILL, started again, and every message that got "250 queued" is delivered.
 */
public class CrashRestartIT {
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static Distribution karavel;
    private static int smtpPort;

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.add("remote.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("mx.remote.test", Type.A, "127.0.0.1", 60);
        sink = SmtpSink.start();
        karavel = Distribution.unpack("crash-restart");
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        karavel.configure(
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port",
                        Integer.toString(sink.port()),
                        "min_backoff_seconds",
                        "1",
                        "max_backoff_seconds",
                        "1"));
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, sink, dns);
    }

    @Test
    public void queuedMailSurvivesSigkill() throws Exception {
        AtomicBoolean accept = new AtomicBoolean(false);
        sink.onRcpt(r -> accept.get() ? "250 2.1.5 Ok" : "451 4.3.0 Not yet");

        karavel.start();
        Distribution.awaitSmtp(smtpPort);
        Set<String> queued = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            try (SmtpClient c = SmtpClient.connect(smtpPort)) {
                c.readReply();
                c.command("EHLO client.test");
                String reply = c.sendMail(
                        "app@localhost",
                        List.of("user" + i + "@remote.test"),
                        "Subject: crash " + i + "\r\n\r\nBody " + i + ".\r\n");
                assertTrue(reply, reply.startsWith("250 2.0.0"));
                queued.add("user" + i + "@remote.test");
            }
        }
        karavel.kill();

        accept.set(true);
        karavel.start();
        Poll.until(
                "every queued message at the sink",
                Distribution.bootTimeout(),
                () -> delivered().containsAll(queued));
        assertEquals(queued, delivered());
        assertTrue(
                "no message may be corrupted",
                sink.messages().stream().allMatch(m -> m.contentAsString().contains("Subject: crash ")));
        // the mail log tells each message's story in its own file, across the crash
        Path mailLog = karavel.data().resolve("log/mail.log");
        Poll.until("every delivery in " + mailLog, Distribution.bootTimeout(), () -> {
            try {
                String log = Files.readString(mailLog);
                return queued.stream().allMatch(r -> log.contains("delivered to=<" + r + ">"));
            } catch (IOException e) {
                return false;
            }
        });
        String log = Files.readString(mailLog);
        assertEquals(
                20,
                log.lines()
                        .filter(l -> l.contains(": received from=<app@localhost>"))
                        .count());
    }

    private static Set<String> delivered() {
        Set<String> got = new HashSet<>();
        sink.messages().forEach(m -> got.addAll(m.recipients()));
        return got;
    }
}
