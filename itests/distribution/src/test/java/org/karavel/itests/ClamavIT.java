package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.Clamd;
import org.karavel.testkit.SmtpClient;

/**
 * The clamav bundle in the running distribution, against a real clamd on loopback with a
 * one-signature database: inactive until etc/org.karavel.clamav.cfg appears, then refusing the
 * test attachment by name, marking clean mail, each fail mode once clamd is gone, and gone again
 * when the file is deleted.
 */
public class ClamavIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String SIGNATURE = "Karavel.Test.Attachment";
    private static final byte[] ATTACHMENT =
            "karavel distribution test attachment, named by the test's signature\n".getBytes(StandardCharsets.US_ASCII);
    private static final String CFG = "org.karavel.clamav.cfg";
    private static Clamd clamd;
    private static Distribution karavel;
    private static int smtpPort;

    @BeforeClass
    public static void boot() throws Exception {
        clamd = Clamd.start(Files.createTempDirectory("karavel-clamd"), SIGNATURE, ATTACHMENT, "25M");
        Poll.until("clamd to answer PING", WAIT, clamd::answersPing, clamd::output);
        karavel = Distribution.unpack("clamav");
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.relay.cfg", Map.of("relay_hosts", "127.0.0.1/32"));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, clamd);
    }

    @Test
    public void scansOnlyWhileConfiguredAndFollowsItsFailMode() throws Exception {
        // installed, but without its configuration there is no filter
        assertTrue(send("before@localhost", infected()).startsWith("250"));
        Poll.until("the message in its Maildir", WAIT, () -> delivered("before").isPresent());
        assertFalse(delivered("before").get().contains("X-Virus-Scanned"));
        assertFalse(karavel.log().contains("SMTP filter 'clamav' added"));

        karavel.configure(CFG, Map.of("address", "tcp:127.0.0.1:" + clamd.port(), "timeout_millis", "5000"));
        Poll.until(
                "the clamav filter to refuse the test attachment",
                WAIT,
                () -> send("virus@localhost", infected())
                        .startsWith("554 5.7.1 Message rejected: virus found (" + clamd.reportedName() + ")"));
        // its stage limit is timeout_millis + 5 s, so that its fail mode answers before the listener gives up
        KarafClient.Result filters = KarafClient.run(karavel.home(), "mta:filters");
        assertTrue(filters.output(), filters.ok());
        assertTrue(
                filters.output(),
                filters.output().lines().anyMatch(l -> l.contains("clamav") && l.contains("10000 ms")));
        assertTrue(
                send("clean@localhost", "Subject: hello\r\n\r\nplain text\r\n").startsWith("250"));
        Poll.until(
                "the clean message in its Maildir",
                WAIT,
                () -> delivered("clean").isPresent());
        assertTrue(delivered("clean").get().contains("\r\nX-Virus-Scanned: clamav\r\n"));
        assertTrue(MetricsText.read(karavel.adminPort(), "karavel_clamav_viruses_found_total") >= 1);

        clamd.close();
        assertTrue(send("unscanned@localhost", infected()).startsWith("250"));
        Poll.until(
                "the unscanned message in its Maildir",
                WAIT,
                () -> delivered("unscanned").isPresent());
        assertTrue(delivered("unscanned").get().contains("\r\nX-Virus-Scanned: unscanned (clamd unavailable)\r\n"));
        assertEquals(1.0, MetricsText.read(karavel.adminPort(), "karavel_clamav_failures_total"), 0.0);

        karavel.configure(CFG, Map.of("fail_mode", "closed"));
        Poll.until(
                "fail_mode closed to defer",
                WAIT,
                () -> send("deferred@localhost", infected()).startsWith("451 4.7.1 Virus scan unavailable"));

        Files.delete(karavel.home().resolve("etc").resolve(CFG));
        Poll.until(
                "mail to pass unmarked once the configuration is deleted",
                WAIT,
                () -> send("after@localhost", infected()).startsWith("250"));
        Poll.until("the message in its Maildir", WAIT, () -> delivered("after").isPresent());
        assertFalse(delivered("after").get().contains("X-Virus-Scanned"));
    }

    private static String infected() {
        return "Subject: the report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                + "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
                + "--b\r\nContent-Type: application/octet-stream; name=\"report.bin\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n"
                + Base64.getMimeEncoder().encodeToString(ATTACHMENT) + "\r\n--b--\r\n";
    }

    /** The first message in the user's Maildir, if there is one. */
    private static Optional<String> delivered(String user) {
        Path inbox = karavel.data().resolve("mail/localhost/" + user + "/new");
        try (Stream<Path> files = Files.list(inbox)) {
            Optional<Path> first = files.findFirst();
            return first.isPresent() ? Optional.of(Files.readString(first.get())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String send(String to, String content) {
        try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            String r = c.sendMail("sender@client.test", List.of(to), content);
            return r == null ? "no reply" : r;
        } catch (IOException e) {
            return "I/O error: " + e;
        }
    }
}
