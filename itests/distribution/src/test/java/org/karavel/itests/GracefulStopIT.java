package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;

/**
 * {@code systemctl stop} sends SIGTERM: Karaf stops the bundles in order, a session in the middle of
 * DATA gets {@code 421 4.3.2}, a message already queued stays queued, and the spool closes last.
 */
public class GracefulStopIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static Distribution karavel;
    private static int smtpPort;

    @BeforeClass
    public static void boot() throws Exception {
        karavel = Distribution.unpack("graceful-stop");
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", "127.0.0.1:" + KaravelContainer.freePort()));
        // the relay host must not be delivered to: nothing listens on this port, so mail stays queued
        karavel.configure(
                "org.karavel.delivery.cfg", Map.of("smarthost", "[127.0.0.1]:" + KaravelContainer.freePort()));
        // the optional JSON-lines mail log, as the comment in org.ops4j.pax.logging.cfg says to enable it
        Map<String, String> json = new LinkedHashMap<>();
        for (String line : Files.readAllLines(karavel.home().resolve("etc/org.ops4j.pax.logging.cfg"))) {
            if (line.startsWith("#log4j2.") && line.contains("ailJson")
                    || line.startsWith("#log4j2.appender.mailjson.")) {
                String[] kv = line.substring(1).split(" = ", 2);
                json.put(kv[0].strip(), kv[1].strip());
            }
        }
        assertTrue("the JSON appender is documented in the logging cfg: " + json, json.size() >= 10);
        karavel.configure("org.ops4j.pax.logging.cfg", json);
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
    }

    /** karavel_spool_messages from the admin API, -1 while it cannot be read. */
    private static double queueSize(int adminPort) {
        return MetricsText.read(adminPort, "karavel_spool_messages");
    }

    private static String log() {
        try {
            return karavel.log();
        } catch (IOException e) {
            return "";
        }
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel);
    }

    @Test
    public void sigtermAnswers421ToOpenSessionsAndClosesTheSpoolLast() throws Exception {
        String queuedId;
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            String reply =
                    c.sendMail("app@localhost", List.of("someone@remote.test"), "Subject: queued\r\n\r\nstays\r\n");
            assertTrue(reply, reply.startsWith("250 2.0.0"));
            queuedId = reply.substring(reply.lastIndexOf(' ') + 1);
        }
        SmtpClient inData = SmtpClient.connect(smtpPort);
        inData.readReply();
        inData.command("EHLO client.test");
        inData.command("MAIL FROM:<app@localhost>");
        inData.command("RCPT TO:<someone@remote.test>");
        assertTrue(inData.command("DATA").startsWith("354"));
        inData.send("Subject: cut off\r\n\r\nhalf a message");

        assertTrue("Karaf did not stop within 60 s of SIGTERM", karavel.terminate(Duration.ofSeconds(60)));
        String reply = inData.readReply();
        assertTrue("the session in DATA got: " + reply, reply != null && reply.startsWith("421 4.3.2"));
        inData.close();

        String log = karavel.log();
        int listenerStopped = log.indexOf("SMTP listener 'mx' stopped");
        int spoolClosed = log.indexOf("spool closed: 1 messages");
        assertTrue("listener stop not logged", listenerStopped >= 0);
        assertTrue(
                "the spool did not close with the queued message:\n" + log.substring(Math.max(0, log.length() - 3000)),
                spoolClosed >= 0);
        assertTrue("the spool closed before the listener stopped", spoolClosed > listenerStopped);
        // a delivery worker interrupted at the stop once closed MapDB's channel for everyone
        assertFalse("a read failed on a closed store at the stop", log.contains("VolumeClosed"));

        // the queued message is still there after a restart; the cut-off one was never queued
        karavel.start();
        Poll.until("the restarted spool", Distribution.bootTimeout(), () -> {
            String now = log();
            return now.lastIndexOf("spool opened") > spoolClosed;
        });
        String reopened = karavel.log().substring(karavel.log().lastIndexOf("spool opened"));
        assertTrue(reopened, reopened.startsWith("spool opened") && reopened.contains(": 1 messages ("));
        // the clean stop wrote spool.clean and the index snapshot, and the restart read no record
        assertTrue(
                reopened, reopened.contains("from its index snapshot") && reopened.contains("clean shutdown before"));
        assertTrue(karavel.mailLog().contains(queuedId + ": received"));
        String jsonLines = Files.readString(karavel.data().resolve("log/mail.json"));
        assertTrue(
                jsonLines,
                jsonLines
                        .lines()
                        .anyMatch(l -> l.startsWith("{\"time\":\"")
                                && l.contains("\"queue_id\":\"" + queuedId + "\",\"event\":\"" + queuedId
                                        + ": received from=<app@localhost>")
                                && l.endsWith("\"}")));

        // the queue holds the queued message and nothing else: the one cut off in DATA was never queued
        int adminPort = karavel.adminPort();
        Poll.until("the admin API", Distribution.bootTimeout(), () -> queueSize(adminPort) >= 0);
        assertEquals("messages queued after the restart", 1.0, queueSize(adminPort), 0.0);
        AdminHttp.Response listed = new AdminHttp(adminPort).get("/api/v1/queue/messages");
        assertTrue(listed.body(), listed.status() == 200 && listed.body().contains(queuedId));
        // and delivered once the relay host answers: the sink gets that one message, never the cut-off one
        try (SmtpSink sink = SmtpSink.start()) {
            karavel.configure("org.karavel.delivery.cfg", Map.of("smarthost", "[127.0.0.1]:" + sink.port()));
            Poll.until("the queued message at the sink", WAIT, () -> {
                try {
                    new AdminHttp(adminPort).post("/api/v1/queue/flush", null);
                } catch (IOException e) {
                    return false;
                }
                return queueSize(adminPort) == 0;
            });
            assertEquals("messages at the sink", 1, sink.messages().size());
            String delivered = sink.messages().get(0).contentAsString();
            assertTrue(delivered, delivered.contains("Subject: queued") && delivered.contains("stays"));
            assertTrue(delivered, !delivered.contains("cut off") && !delivered.contains("half a message"));
        }
    }
}
