package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * The DSN extension (RFC 3461) end to end through the real distribution: a client on 127.0.0.1 sends
 * with RET, ENVID, NOTIFY and ORCPT; a next hop that offers DSN gets them passed on, one that does not
 * makes Karavel send a {@code relayed} notice back to the sender's Maildir; NOTIFY=NEVER on a failure
 * produces no bounce; a delay notice comes once after a short delay_warning_time. Every notice is read
 * back with mime4j.
 */
public class DsnIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static LoopbackDnsServer dns;
    /** mx.plain.test on 127.0.0.1: no DSN; refuses nobody@, defers slow@. */
    private static SmtpSink plain;
    /** mx.dsn.test on 127.0.0.2, the same port: offers DSN. */
    private static SmtpSink withDsn;

    private static LoopbackMx mx;

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        plain = SmtpSink.start();
        plain.onRcpt(r -> r.startsWith("nobody@")
                ? "550 5.1.1 <" + r + ">: Recipient address rejected: User unknown"
                : r.startsWith("slow@") ? "451 4.2.1 <" + r + ">: mailbox busy, try later" : "250 2.1.5 Ok");
        withDsn =
                SmtpSink.start(InetAddress.getByName("127.0.0.2"), plain.port()).dsn(true);
        dns.add("plain.test", Type.MX, "10 mx.plain.test.", 60);
        dns.add("mx.plain.test", Type.A, "127.0.0.1", 60);
        dns.add("dsn.test", Type.MX, "10 mx.dsn.test.", 60);
        dns.add("mx.dsn.test", Type.A, "127.0.0.2", 60);
        Map<String, Map<String, String>> settings = new LinkedHashMap<>(LoopbackMx.RELAY_FROM_LOOPBACK);
        settings.put("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        settings.put(
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port", Integer.toString(plain.port()),
                        "min_backoff_seconds", "1",
                        "max_backoff_seconds", "2",
                        "delay_warning_time", "3s"));
        mx = LoopbackMx.start("dsn-it", settings);
    }

    @AfterClass
    public static void shutDown() throws Exception {
        Distribution.closeAll(mx, withDsn, plain, dns);
    }

    @Test
    public void aNextHopThatOffersDsnGetsTheParametersAndNoNoticeComesFromKaravel() throws Exception {
        String reply = send(
                "app1@localhost",
                "MAIL FROM:<app1@localhost> RET=HDRS ENVID=env+2B1",
                "RCPT TO:<bob@dsn.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob+2Borig@dsn.test",
                "Subject: passed on\r\n\r\nBody.\r\n");
        assertTrue(reply, reply.startsWith("250 2.0.0"));
        Poll.until(
                "the DSN sink to get the message",
                WAIT,
                () -> !withDsn.messages().isEmpty());
        List<String> commands = withDsn.envelopeCommands();
        assertTrue(
                commands.toString(),
                commands.stream()
                        .anyMatch(c ->
                                c.startsWith("MAIL FROM:<app1@localhost>") && c.endsWith(" RET=HDRS ENVID=env+2B1")));
        assertTrue(
                commands.toString(),
                commands.contains("RCPT TO:<bob@dsn.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob+2Borig@dsn.test"));
        Poll.until(
                "the message to be delivered",
                WAIT,
                () -> mx.karavel.mailLog().contains("delivered to=<bob@dsn.test>"));
        assertEquals(
                "no notice of our own when the next hop took the request over",
                0,
                mailbox("app1").size());
    }

    @Test
    public void aNextHopWithoutDsnMakesKaravelSendARelayedNotice() throws Exception {
        String reply = send(
                "app2@localhost",
                "MAIL FROM:<app2@localhost> RET=HDRS ENVID=QQ314159",
                "RCPT TO:<carol@plain.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;carol+2Borig@plain.test",
                "Subject: relayed\r\n\r\nThe body.\r\n");
        assertTrue(reply, reply.startsWith("250 2.0.0"));
        Poll.until("a notice in app2's Maildir", WAIT, () -> mailbox("app2").size() == 1);
        assertTrue(plain.envelopeCommands().stream()
                .filter(c -> c.contains("carol@plain.test"))
                .noneMatch(c -> c.contains("NOTIFY")));

        Report r = Report.read(mailbox("app2").get(0));
        assertEquals("Successful Mail Delivery Report", r.subject);
        assertEquals("QQ314159", r.perMessage.get("original-envelope-id"));
        assertEquals(1, r.recipients.size());
        Map<String, String> carol = r.recipients.get(0);
        assertEquals("relayed", carol.get("action"));
        assertEquals("rfc822; carol@plain.test", carol.get("final-recipient"));
        assertEquals("rfc822;carol+orig@plain.test", carol.get("original-recipient"));
        assertEquals("2.0.0", carol.get("status"));
        assertEquals("RET=HDRS: the headers only", "text/rfc822-headers", r.thirdType);
        assertTrue(r.third, r.third.contains("Subject: relayed") && !r.third.contains("The body."));
        assertTrue(mx.karavel.mailLog(), mx.karavel.mailLog().contains("dsn to=<app2@localhost> relayed=1 dsn_id="));
    }

    @Test
    public void notifyNeverOnAFailureProducesNoBounce() throws Exception {
        String reply = send(
                "app3@localhost",
                "MAIL FROM:<app3@localhost>",
                "RCPT TO:<nobody@plain.test> NOTIFY=NEVER",
                "Subject: never tell\r\n\r\nBody.\r\n");
        assertTrue(reply, reply.startsWith("250 2.0.0"));
        Poll.until(
                "the bounce to be skipped in the mail log",
                WAIT,
                () -> mx.karavel.mailLog().contains("dsn to=<app3@localhost> failed=1 status=skipped (NOTIFY=NEVER)"));
        assertTrue(mx.karavel.mailLog().contains("bounced to=<nobody@plain.test>"));
        // a control message queued after it (the same Maildir) arrives: had a bounce been queued, it would be there too
        assertTrue(send(
                        "app3@localhost",
                        "MAIL FROM:<x@plain.test>",
                        "RCPT TO:<app3@localhost>",
                        "Subject: control\r\n\r\nx\r\n")
                .startsWith("250 2.0.0"));
        Poll.until(
                "the control message in app3's Maildir",
                WAIT,
                () -> mailbox("app3").size() == 1);
        assertTrue(Files.readString(mailbox("app3").get(0)).contains("Subject: control"));
    }

    @Test
    public void aDelayNoticeComesOnceAfterTheDelayWarningTime() throws Exception {
        String reply = send(
                "app4@localhost",
                "MAIL FROM:<app4@localhost> ENVID=late-1",
                "RCPT TO:<slow@plain.test> NOTIFY=DELAY,FAILURE",
                "Subject: slow\r\n\r\nBody.\r\n");
        assertTrue(reply, reply.startsWith("250 2.0.0"));
        Poll.until(
                "a delay notice in app4's Maildir", WAIT, () -> mailbox("app4").size() == 1);
        Report r = Report.read(mailbox("app4").get(0));
        assertEquals("Delayed Mail (still being retried)", r.subject);
        assertEquals("late-1", r.perMessage.get("original-envelope-id"));
        assertEquals("delayed", r.recipients.get(0).get("action"));
        assertEquals("rfc822; slow@plain.test", r.recipients.get(0).get("final-recipient"));
        assertEquals("4.2.1", r.recipients.get(0).get("status"));
        assertTrue(r.recipients.get(0).toString(), r.recipients.get(0).containsKey("will-retry-until"));
        // more attempts, retried every 2 s: still one notice
        Poll.until(
                "two more attempts",
                WAIT,
                () -> mx.karavel
                                .mailLog()
                                .lines()
                                .filter(l -> l.contains("deferred to=<slow@plain.test>"))
                                .count()
                        >= 4);
        assertEquals(1, mailbox("app4").size());
    }

    /** One transaction from 127.0.0.1 with the given MAIL and RCPT lines; the final reply or the first refusal. */
    private static String send(String who, String mail, String rcpt, String content) throws IOException {
        try (SmtpClient c = new SmtpClient("127.0.0.1", mx.port, new InetSocketAddress("127.0.0.1", 0))) {
            c.readReply();
            String ehlo = c.command("EHLO client.test");
            assertTrue(ehlo, ehlo.contains("250-DSN"));
            for (String line : List.of(mail, rcpt)) {
                String r = c.command(line);
                if (!r.startsWith("250")) {
                    return who + ": " + r;
                }
            }
            String r = c.command("DATA");
            if (!r.startsWith("354")) {
                return r;
            }
            c.send(content + ".\r\n");
            return c.readReply();
        }
    }

    /** The messages delivered to user@localhost, oldest first. */
    private static List<Path> mailbox(String user) {
        Path dir = mx.karavel
                .data()
                .resolve("mail")
                .resolve("localhost")
                .resolve(user)
                .resolve("new");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** A notice read back with mime4j: subject, the delivery-status field groups, the third part. */
    private record Report(
            String subject,
            Map<String, String> perMessage,
            List<Map<String, String>> recipients,
            String thirdType,
            String third) {
        static Report read(Path file) throws IOException {
            Message msg = new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(Files.readAllBytes(file)));
            assertEquals("multipart/report", msg.getMimeType());
            List<Entity> parts = ((Multipart) msg.getBody()).getBodyParts();
            assertEquals(3, parts.size());
            assertEquals("message/delivery-status", parts.get(1).getMimeType());
            List<Map<String, String>> groups = groups(text(parts.get(1)));
            return new Report(
                    msg.getSubject(),
                    groups.get(0),
                    groups.subList(1, groups.size()),
                    parts.get(2).getMimeType(),
                    text(parts.get(2)));
        }

        private static String text(Entity e) throws IOException {
            try (var in = ((SingleBody) e.getBody()).getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        /** RFC 3464 field groups (per message, then per recipient), unfolded, names in lower case. */
        private static List<Map<String, String>> groups(String body) {
            List<Map<String, String>> groups = new ArrayList<>();
            for (String g : body.replace("\r\n", "\n").split("\n\n")) {
                Map<String, String> fields = new LinkedHashMap<>();
                for (String line : g.replaceAll("\n[ \t]+", " ").split("\n")) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        fields.put(
                                line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                line.substring(colon + 1).trim());
                    }
                }
                if (!fields.isEmpty()) {
                    groups.add(fields);
                }
            }
            return groups;
        }
    }
}
