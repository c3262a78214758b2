package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.RspamdDaemon;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * The rspamd filter configured, restarted and removed in a running server while mail flows without
 * pause: every accepted message is delivered, none is refused for good, and messages accepted while
 * the filter was there carry Rspamd's score.
 */
public class RspamdHotSwapIT {
    private static final int SESSIONS = 3;
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final Pattern SCORED = Pattern.compile("(?m)^X-Spamd-Result: default: False \\[");
    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID: (<[^>]+>)");
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static RspamdDaemon rspamd;
    private static Distribution karavel;
    private static int smtpPort;

    @BeforeClass
    public static void boot() throws Exception {
        rspamd = RspamdDaemon.start();
        dns = LoopbackDnsServer.start();
        dns.add("remote.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("mx.remote.test", Type.A, "127.0.0.1", 60);
        sink = SmtpSink.start();
        karavel = Distribution.unpack("rspamd-hot-swap");
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
                        "2"));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, sink, dns, rspamd);
    }

    @Test
    public void noAcceptedMessageIsLostWhileTheFilterComesAndGoes() throws Exception {
        SteadySenders senders = new SteadySenders(smtpPort, SESSIONS);
        try {
            awaitProgress(senders, "mail flowing before Rspamd is configured");

            karavel.configure(
                    "org.karavel.rspamd.cfg",
                    Map.of("url", rspamd.url(), "listeners", "mx", "scan_relay_clients", "true"));
            Poll.until("the rspamd filter to be added", WAIT, () -> logContains("SMTP filter 'rspamd' added"));
            Poll.until(
                    "a delivered message with Rspamd's score",
                    WAIT,
                    () -> sink.messages().stream()
                            .anyMatch(m -> SCORED.matcher(m.contentAsString()).find()));
            awaitProgress(senders, "mail flowing through Rspamd");

            KarafClient.Result restart = KarafClient.run(karavel.home(), "bundle:restart org.karavel.rspamd");
            assertTrue(restart.output(), restart.ok());
            awaitProgress(senders, "mail flowing after the rspamd bundle restarted");

            Files.delete(karavel.home().resolve("etc/org.karavel.rspamd.cfg"));
            Poll.until("the rspamd filter to be removed", WAIT, () -> logContains("SMTP filter 'rspamd' removed"));
            awaitProgress(senders, "mail flowing after the configuration was deleted");
        } finally {
            senders.close();
        }

        Set<String> accepted = new HashSet<>(senders.accepted);
        Poll.until(
                "every accepted message at the sink (" + accepted.size() + ")",
                WAIT,
                () -> receivedIds().containsAll(accepted));
        assertEquals("permanent refusals", List.of(), senders.permanentFailures);
        assertTrue("Rspamd deferred mail: " + senders.samples4xx, senders.samples4xx.isEmpty());
    }

    private static boolean logContains(String text) {
        try {
            return karavel.log().contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static void awaitProgress(SteadySenders senders, String what) {
        int acceptedBefore = senders.accepted.size();
        int deliveredBefore = sink.messages().size();
        Poll.until(
                what,
                WAIT,
                () -> senders.accepted.size() >= acceptedBefore + 2 * SESSIONS
                        && sink.messages().size() >= deliveredBefore + 2 * SESSIONS);
    }

    private static Set<String> receivedIds() {
        Set<String> ids = new HashSet<>();
        for (SmtpSink.ReceivedMail m : sink.messages()) {
            Matcher id = MESSAGE_ID.matcher(m.contentAsString());
            if (id.find()) {
                ids.add(id.group(1));
            }
        }
        return ids;
    }
}
