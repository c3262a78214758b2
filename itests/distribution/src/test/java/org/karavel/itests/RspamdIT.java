package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.karavel.itests.ContentScanners.GTUBE;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.RspamdDaemon;

/**
 * The rspamd bundle in the running distribution, against Debian's rspamd started by the test on
 * loopback: inactive until etc/org.karavel.rspamd.cfg appears, then GTUBE is refused, clean mail is
 * delivered with its score, {@code mta:filters} shows the filter's time limit, and a stopped Rspamd
 * gives the fail mode (open, then closed).
 */
public class RspamdIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String CLEAN = "From: Sender <sender@client.test>\r\nTo: <clean@localhost>\r\n"
            + "Subject: lunch\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <lunch-1@client.test>\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nLunch at noon?\r\n";
    private static RspamdDaemon rspamd;
    private static LoopbackMx mx;
    private static Distribution karavel;

    @BeforeClass
    public static void boot() throws Exception {
        rspamd = RspamdDaemon.start();
        mx = LoopbackMx.start("rspamd", LoopbackMx.RELAY_FROM_LOOPBACK);
        karavel = mx.karavel;
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(mx, rspamd);
    }

    @Test
    public void scansOnceConfiguredAndFollowsTheFailMode() throws Exception {
        String unscanned = mx.send("before@localhost", GTUBE);
        assertTrue("no configuration, no scan: " + unscanned, unscanned.startsWith("250"));

        karavel.configure(
                "org.karavel.rspamd.cfg",
                Map.of(
                        "url",
                        rspamd.url(),
                        "timeout_millis",
                        "10000",
                        "fail_mode",
                        "open",
                        // the test's client, 127.0.0.1, is a relay host, which is not scanned by default
                        "scan_relay_clients",
                        "true"));
        Poll.until(
                "GTUBE to be refused once the configuration is there",
                WAIT,
                () -> mx.send("gtube@localhost", GTUBE).startsWith("554 5.7.1 Gtube pattern"),
                () -> mx.send("gtube@localhost", GTUBE));

        assertTrue(mx.send("clean@localhost", CLEAN).startsWith("250"));
        String stored = onlyMessage(karavel.data().resolve("mail/localhost/clean/new"));
        assertTrue(
                stored, stored.matches("(?s).*\r\nX-Spamd-Result: default: False \\[-?\\d+\\.\\d\\d / 15\\.00\\].*"));

        KarafClient.Result filters = KarafClient.run(karavel.home(), "mta:filters");
        assertTrue(filters.output(), filters.ok());
        assertTrue(filters.output(), filters.output().contains("rspamd"));
        assertTrue(filters.output(), filters.output().contains("15000"));

        rspamd.stop();
        assertTrue(mx.send("open@localhost", GTUBE).startsWith("250"));
        String passed = onlyMessage(karavel.data().resolve("mail/localhost/open/new"));
        assertTrue(passed, passed.contains("\r\nX-Spam-Status: unscanned (rspamd unreachable)\r\n"));

        karavel.configure("org.karavel.rspamd.cfg", Map.of("fail_mode", "closed"));
        Poll.until(
                "a 451 once fail_mode is closed",
                WAIT,
                () -> mx.send("closing@localhost", CLEAN).startsWith("451 4.7.1 Content scanner unavailable"),
                () -> mx.send("closing@localhost", CLEAN));
        String refused = mx.send("closed@localhost", CLEAN);
        assertTrue(refused, refused.startsWith("451 4.7.1 Content scanner unavailable, try again later"));
        assertEquals(0, Maildirs.count(karavel.data().resolve("mail/localhost/closed/new")));
    }

    private static String onlyMessage(Path inbox) throws IOException {
        Poll.until("one message in " + inbox, WAIT, () -> Maildirs.count(inbox) == 1);
        try (Stream<Path> files = Files.list(inbox)) {
            return Files.readString(files.findFirst().orElseThrow());
        }
    }
}
