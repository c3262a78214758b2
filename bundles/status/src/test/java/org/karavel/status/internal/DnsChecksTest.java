package org.karavel.status.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;
import org.karavel.api.status.StatusReport;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.xbill.DNS.Type;

/** The DNS checks against a real DNS server on loopback: a correct zone, then each record wrong in turn. */
class DnsChecksTest {
    private static final String HOST = "mail.example.test";

    private static void correctZone(LoopbackDnsServer dns) {
        dns.add("example.test", Type.MX, "10 mail.example.test.", 60);
        dns.add(HOST, Type.A, "127.0.0.10", 60);
        dns.add("_dmarc.example.test", Type.TXT, "\"v=DMARC1; p=reject; rua=mailto:postmaster@example.test\"", 60);
        dns.add("_mta-sts.example.test", Type.TXT, "\"v=STSv1; id=20261207\"", 60);
        dns.add("_smtp._tls.example.test", Type.TXT, "\"v=TLSRPTv1; rua=mailto:tlsrpt@example.test\"", 60);
        dns.add("10.0.0.127.in-addr.arpa", Type.PTR, "mail.example.test.", 60);
    }

    private static StatusReport run(Consumer<LoopbackDnsServer> zone) throws Exception {
        try (LoopbackDnsServer dns = LoopbackDnsServer.start()) {
            zone.accept(dns);
            DnsAnswers answers = new DnsAnswers(new LoopbackResolver(dns.port()));
            List<StatusCheck> checks = List.of(
                    new MxCheck(answers),
                    new HostAddressCheck(answers),
                    new DmarcRecordCheck(answers),
                    new MtaStsRecordCheck(answers),
                    new TlsReportingCheck(answers),
                    new ReverseDnsCheck(answers));
            Setup setup = new Setup(
                    HOST,
                    Set.of("example.test"),
                    List.of(InetAddress.getByName("127.0.0.10")),
                    List.of(InetAddress.getByName("127.0.0.10")));
            return CheckRun.run(checks, setup, Duration.ofSeconds(10), Clock.systemUTC())
                    .toCompletableFuture()
                    .get();
        }
    }

    private static Finding finding(StatusReport r, String check) {
        return r.findings().stream()
                .filter(f -> f.check().equals(check))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aCorrectZoneIsAllOk() throws Exception {
        StatusReport r = run(DnsChecksTest::correctZone);
        assertThat(r.findings())
                .hasSize(6)
                .allSatisfy(f -> assertThat(f.level()).isEqualTo(Finding.Level.OK));
        assertThat(r.findings().get(0).subject()).isEqualTo(Finding.SERVER);
        assertThat(finding(r, MxCheck.NAME).found()).isEqualTo("MX 10 mail.example.test");
    }

    @Test
    void anMxElsewhereIsAnErrorWithTheRecordToPublish() throws Exception {
        StatusReport r = run(dns -> {
            correctZone(dns);
            dns.add("other.test", Type.MX, "10 mx.elsewhere.test.", 60); // unrelated
        });
        assertThat(finding(r, MxCheck.NAME).level()).isEqualTo(Finding.Level.OK);
        r = run(dns -> {
            dns.add("example.test", Type.MX, "10 mx.elsewhere.test.", 60);
            dns.add(HOST, Type.A, "127.0.0.10", 60);
        });
        Finding mx = finding(r, MxCheck.NAME);
        assertThat(mx.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(mx.found()).contains("mx.elsewhere.test").contains("not to this server");
        assertThat(mx.fix()).isEqualTo("Publish \"example.test. MX 10 mail.example.test.\"");
    }

    @Test
    void aMissingOrForeignHostAddressIsAnError() throws Exception {
        StatusReport r = run(dns -> dns.add("example.test", Type.MX, "10 mail.example.test.", 60));
        Finding host = finding(r, HostAddressCheck.NAME);
        assertThat(host.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(host.fix()).contains("\"mail.example.test. A 127.0.0.10\"");
        r = run(dns -> {
            correctZone(dns);
            dns.add(HOST, Type.A, "127.0.0.99", 60);
        });
        host = finding(r, HostAddressCheck.NAME);
        assertThat(host.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(host.found()).contains("127.0.0.99").contains("not this server");
    }

    @Test
    void dmarcNoneIsAWarningAndNoDmarcAnError() throws Exception {
        StatusReport r = run(dns -> {
            correctZone(dns);
            dns.add("_dmarc.example.test", Type.TXT, "\"v=DMARC1; p=none\"", 60);
        });
        // two records now: an error, as receivers ignore both
        assertThat(finding(r, DmarcRecordCheck.NAME).level()).isEqualTo(Finding.Level.ERROR);
        assertThat(DmarcRecordCheck.judge("example.test", List.of("v=DMARC1; p=none"))
                        .level())
                .isEqualTo(Finding.Level.WARNING);
        r = run(dns -> dns.add("example.test", Type.MX, "10 mail.example.test.", 60));
        Finding dmarc = finding(r, DmarcRecordCheck.NAME);
        assertThat(dmarc.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(dmarc.found()).isEqualTo("No DMARC record is published");
        assertThat(dmarc.fix()).contains("_dmarc.example.test").contains("p=quarantine");
    }

    @Test
    void missingReportingRecordsAreWarningsAndBrokenOnesErrors() throws Exception {
        StatusReport r = run(dns -> {
            dns.add("example.test", Type.MX, "10 mail.example.test.", 60);
            dns.add(HOST, Type.A, "127.0.0.10", 60);
            dns.add("_mta-sts.example.test", Type.TXT, "\"v=STSv1; id=not-valid!\"", 60);
        });
        assertThat(finding(r, TlsReportingCheck.NAME).level()).isEqualTo(Finding.Level.WARNING);
        assertThat(finding(r, MtaStsRecordCheck.NAME).level()).isEqualTo(Finding.Level.ERROR);
        assertThat(finding(r, MtaStsRecordCheck.NAME).found()).contains("no valid id=");
    }

    @Test
    void reverseDnsMustNameThisServerAndResolveBack() throws Exception {
        StatusReport r = run(dns -> {
            dns.add(HOST, Type.A, "127.0.0.10", 60);
            dns.add("10.0.0.127.in-addr.arpa", Type.PTR, "host-10.provider.test.", 60);
            dns.add("host-10.provider.test", Type.A, "127.0.0.10", 60);
        });
        Finding ptr = finding(r, ReverseDnsCheck.NAME);
        assertThat(ptr.level()).isEqualTo(Finding.Level.WARNING);
        assertThat(ptr.found())
                .isEqualTo("127.0.0.10 has PTR host-10.provider.test, but this server greets as " + HOST);
        r = run(dns -> dns.add("10.0.0.127.in-addr.arpa", Type.PTR, "host-10.provider.test.", 60));
        assertThat(finding(r, ReverseDnsCheck.NAME).found()).contains("does not resolve back");
        r = run(dns -> dns.add(HOST, Type.A, "127.0.0.10", 60));
        ptr = finding(r, ReverseDnsCheck.NAME);
        assertThat(ptr.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(ptr.found()).isEqualTo("127.0.0.10 has no PTR record");
    }

    @Test
    void aFailingServerIsAnErrorSayingSo() throws Exception {
        StatusReport r = run(dns -> {
            correctZone(dns);
            dns.servfail("_dmarc.example.test");
        });
        Finding dmarc = finding(r, DmarcRecordCheck.NAME);
        assertThat(dmarc.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(dmarc.found()).contains("cannot be read").contains("failed to answer");
    }
}
