package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.Clamd;

/**
 * The clamav bundle in the running distribution, against a real clamd on loopback with a
 * one-signature database: inactive until etc/org.karavel.clamav.cfg appears, then refusing the
 * test attachment by name, marking clean mail, each fail mode once clamd is gone, and gone again
 * when the file is deleted.
 */
public class ClamavIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String CFG = "org.karavel.clamav.cfg";
    private static Clamd clamd;
    private static LoopbackMx mx;
    private static Distribution karavel;

    @BeforeClass
    public static void boot() throws Exception {
        clamd = ContentScanners.clamd();
        mx = LoopbackMx.start("clamav", LoopbackMx.RELAY_FROM_LOOPBACK);
        karavel = mx.karavel;
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(mx, clamd);
    }

    @Test
    public void scansOnlyWhileConfiguredAndFollowsItsFailMode() throws Exception {
        // installed, but without its configuration there is no filter
        assertTrue(mx.send("before@localhost", ContentScanners.infected()).startsWith("250"));
        Poll.until("the message in its Maildir", WAIT, () -> delivered("before").isPresent());
        assertFalse(delivered("before").get().contains("X-Virus-Scanned"));
        assertFalse(karavel.log().contains("SMTP filter 'clamav' added"));

        karavel.configure(CFG, Map.of("address", "tcp:127.0.0.1:" + clamd.port(), "timeout_millis", "5000"));
        Poll.until(
                "the clamav filter to refuse the test attachment",
                WAIT,
                () -> mx.send("virus@localhost", ContentScanners.infected())
                        .startsWith(ContentScanners.virusFound(clamd)));
        // its stage limit is timeout_millis + 5 s, so that its fail mode answers before the listener gives up
        KarafClient.Result filters = KarafClient.run(karavel.home(), "mta:filters");
        assertTrue(filters.output(), filters.ok());
        assertTrue(
                filters.output(),
                filters.output().lines().anyMatch(l -> l.contains("clamav") && l.contains("10000 ms")));
        assertTrue(mx.send("clean@localhost", "Subject: hello\r\n\r\nplain text\r\n")
                .startsWith("250"));
        Poll.until(
                "the clean message in its Maildir",
                WAIT,
                () -> delivered("clean").isPresent());
        assertTrue(delivered("clean").get().contains("\r\nX-Virus-Scanned: clamav\r\n"));
        assertTrue(MetricsText.read(karavel.adminPort(), "karavel_clamav_viruses_found_total") >= 1);

        clamd.close();
        assertTrue(mx.send("unscanned@localhost", ContentScanners.infected()).startsWith("250"));
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
                () -> mx.send("deferred@localhost", ContentScanners.infected())
                        .startsWith("451 4.7.1 Virus scan unavailable"));

        Files.delete(karavel.home().resolve("etc").resolve(CFG));
        Poll.until(
                "mail to pass unmarked once the configuration is deleted",
                WAIT,
                () -> mx.send("after@localhost", ContentScanners.infected()).startsWith("250"));
        Poll.until("the message in its Maildir", WAIT, () -> delivered("after").isPresent());
        assertFalse(delivered("after").get().contains("X-Virus-Scanned"));
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
}
