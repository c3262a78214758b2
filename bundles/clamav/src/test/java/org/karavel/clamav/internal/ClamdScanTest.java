package org.karavel.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.karavel.clamav.internal.ClamavSettingsTest.config;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.api.metrics.Metric;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterMessage;
import org.karavel.testkit.FilterSession;
import org.karavel.testkit.LogCapture;

/** The filter against a real clamd with a one-signature database made here. */
class ClamdScanTest {
    /** The "virus": a file whose MD5 is the test's signature. */
    static final byte[] INFECTED = "karavel test attachment: not a virus, only the file the test signature names\n"
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path directory;

    static ClamdDaemon clamd;

    @BeforeAll
    static void startClamd() throws Exception {
        // small, so that an 8 MB message is over it: clamd refuses it while it still comes, more than the
        // socket buffers hold, so the refusal is read after a failed write
        clamd = ClamdDaemon.start(directory, INFECTED, "1M");
    }

    @AfterAll
    static void stopClamd() {
        if (clamd != null) {
            clamd.close();
        }
    }

    static ClamavComponent component(ClamdAddress address, Map<String, Object> more) {
        Map<String, Object> values = new HashMap<>(more);
        values.put("address", address.toString());
        return new ClamavComponent(config(values));
    }

    static Verdict scan(ClamavComponent c, FilterSession session, FilterMessage message) throws Exception {
        return c.endOfMessage(session, FilterEnvelope.from(MailAddress.parse("sender@example.org")), message)
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
    }

    @Test
    void anAttachmentCarryingTheSignatureIsRefusedWithItsName() throws Exception {
        ClamavComponent c = component(clamd.tcp(), Map.of());
        try {
            Verdict v = scan(c, FilterSession.from("192.0.2.10"), TestMessages.withAttachment(INFECTED));

            assertThat(v.kind()).isEqualTo(Verdict.Kind.REJECT);
            assertThat(v.code()).isEqualTo(554);
            assertThat(v.enhancedCode()).isEqualTo("5.7.1");
            assertThat(v.text()).isEqualTo("Message rejected: virus found (" + ClamdDaemon.REPORTED + ")");
            assertThat(c.counters().viruses()).isEqualTo(1);
            assertThat(c.counters().scans()).isEqualTo(1);
        } finally {
            c.deactivate();
        }
    }

    @Test
    void theUnixSocketWorksAlike() throws Exception {
        ClamavComponent c = component(clamd.unix(), Map.of());
        try {
            Verdict infected = scan(c, FilterSession.from("192.0.2.10"), TestMessages.withAttachment(INFECTED));
            Verdict clean = scan(c, FilterSession.from("192.0.2.10"), TestMessages.plain());

            assertThat(infected.toString()).contains("554 5.7.1", ClamdDaemon.REPORTED);
            assertThat(clean.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
            assertThat(clean.headers()).extracting(Verdict.Header::toString).containsExactly("X-Virus-Scanned: clamav");
        } finally {
            c.deactivate();
        }
    }

    @Test
    void aCleanMessagePassesMarkedAndAForgedMarkIsLeftOut() throws Exception {
        ClamavComponent c = component(clamd.tcp(), Map.of());
        try {
            byte[] other = "another attachment, no signature for it\n".getBytes(StandardCharsets.US_ASCII);
            FilterMessage message = TestMessages.withAttachment(other, "X-Virus-Scanned: clamav");

            Verdict v = scan(c, FilterSession.from("192.0.2.10").listener("submission"), message);

            assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
            assertThat(v.headers()).extracting(Verdict.Header::toString).containsExactly("X-Virus-Scanned: clamav");
            assertThat(v.removedHeaders()).containsExactly(0);
            assertThat(c.counters().scans()).isEqualTo(1);
            assertThat(c.counters().viruses()).isZero();
        } finally {
            c.deactivate();
        }
    }

    @Test
    void aMessageOverMaxSizeIsNotSentToClamd() throws Exception {
        ClamavComponent c = component(clamd.tcp(), Map.of("max__size", 200L));
        try {
            Verdict v = scan(c, FilterSession.from("192.0.2.10"), TestMessages.withAttachment(INFECTED));

            assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
            assertThat(v.headers())
                    .extracting(Verdict.Header::toString)
                    .containsExactly("X-Virus-Scanned: unscanned (message too large)");
            assertThat(c.counters().tooLargeCount()).isEqualTo(1);
            assertThat(c.counters().scans()).isZero();
        } finally {
            c.deactivate();
        }
    }

    @Test
    void aMessageOverClamdsStreamMaxLengthPassesUnscanned() throws Exception {
        ClamavComponent c = component(clamd.tcp(), Map.of());
        try {
            String line = "filler line of a long message, to go over clamd's StreamMaxLength of 1M\r\n";
            FilterMessage big = FilterMessage.of("Subject: big\r\n\r\n" + line.repeat(8 * 1024 * 1024 / line.length()));

            Verdict v = scan(c, FilterSession.from("192.0.2.10"), big);

            assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
            assertThat(v.headers())
                    .extracting(Verdict.Header::toString)
                    .containsExactly("X-Virus-Scanned: unscanned (message too large)");
            assertThat(c.counters().tooLargeCount()).isEqualTo(1);
            assertThat(c.counters().failures()).isZero();
        } finally {
            c.deactivate();
        }
    }

    @Test
    void eachConfigurationAsksClamdForPingAndSaysWhatItGot() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ClamavComponent c = component(clamd.tcp(), Map.of());
        try (LogCapture log = new LogCapture()) {
            c.modified(config(Map.of("address", clamd.unix().toString())));
            c.modified(config(Map.of("address", "tcp:127.0.0.1:" + closedPort)));

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> log.text().contains("clamav: clamd at " + clamd.unix() + " answers")
                            && log.text()
                                    .contains("clamav: clamd at tcp:127.0.0.1:" + closedPort
                                            + " does not answer PING (java.net.ConnectException"));
        } finally {
            c.deactivate();
        }
    }

    @Test
    void listenersNotConfiguredAreNotScanned() throws Exception {
        ClamavComponent c = component(clamd.tcp(), Map.of("listeners", new String[] {"mx"}));
        try {
            Verdict v = scan(
                    c, FilterSession.from("192.0.2.10").listener("submission"), TestMessages.withAttachment(INFECTED));

            assertThat(v).isSameAs(Verdict.noOpinion());
            assertThat(c.counters().scans()).isZero();
        } finally {
            c.deactivate();
        }
    }

    @Test
    void theMetricsCountScansVirusesAndTime() throws Exception {
        ClamavComponent c = component(clamd.tcp(), Map.of());
        try {
            scan(c, FilterSession.from("192.0.2.10"), TestMessages.withAttachment(INFECTED));
            scan(c, FilterSession.from("192.0.2.10"), TestMessages.plain());

            Map<String, Double> values = new HashMap<>();
            for (Metric m : c.metrics()) {
                values.put(m.name(), m.samples().get(0).value());
            }
            assertThat(values)
                    .containsEntry("karavel_clamav_scans_total", 2.0)
                    .containsEntry("karavel_clamav_viruses_found_total", 1.0)
                    .containsEntry("karavel_clamav_failures_total", 0.0)
                    .containsEntry("karavel_clamav_too_large_total", 0.0);
            assertThat(values.get("karavel_clamav_scan_seconds_total")).isPositive();
        } finally {
            c.deactivate();
        }
    }
}
