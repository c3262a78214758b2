package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.xbill.DNS.Type;

/** DMARC: organisational domains, the alignment examples of RFC 7489 §3.1, policy lookup and evaluation. */
class DmarcCheckTest {
    private LoopbackDnsServer dns;
    private DmarcCheck dmarc;
    private int percentile = 0;

    @BeforeEach
    void start() throws Exception {
        dns = LoopbackDnsServer.start();
        dmarc = new DmarcCheck(new LoopbackResolver(dns.port()), () -> percentile);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @Test
    void organizationalDomainComesFromThePublicSuffixList() {
        assertThat(OrganizationalDomain.of("mail.example.com")).isEqualTo("example.com");
        assertThat(OrganizationalDomain.of("a.b.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(OrganizationalDomain.of("Example.COM.")).isEqualTo("example.com");
        assertThat(OrganizationalDomain.of("host.sub.example.test")).isEqualTo("example.test");
    }

    @Test
    void alignmentExamplesOfRfc7489Section31() {
        // §3.1.1: DKIM d=example.com and From example.com align; d=child.example.com aligns only in relaxed mode
        assertThat(OrganizationalDomain.aligned("example.com", "example.com", true))
                .isTrue();
        assertThat(OrganizationalDomain.aligned("child.example.com", "example.com", false))
                .isTrue();
        assertThat(OrganizationalDomain.aligned("child.example.com", "example.com", true))
                .isFalse();
        // §3.1.2: MAIL FROM child.example.com, From example.com
        assertThat(OrganizationalDomain.aligned("child.example.com", "example.com", false))
                .isTrue();
        assertThat(OrganizationalDomain.aligned("example.org", "example.com", false))
                .isFalse();
    }

    private DmarcCheck.Lookup lookup(String domain) throws Exception {
        return dmarc.lookup(domain).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static DkimResult dkim(String result, String domain) {
        return new DkimResult(result, domain, "sel", "abcdefgh", "");
    }

    @Test
    void alignedDkimOrSpfPassesAndNeitherFails() throws Exception {
        dns.add("_dmarc.example.com", Type.TXT, "\"v=DMARC1; p=reject; adkim=s\"", 60);
        DmarcCheck.Lookup l = lookup("example.com");

        assertThat(dmarc.evaluate("example.com", l, "bounce.example.com", SpfResult.PASS, List.of())
                        .result())
                .isEqualTo("pass");
        assertThat(dmarc.evaluate(
                                "example.com", l, "other.example", SpfResult.PASS, List.of(dkim("pass", "example.com")))
                        .result())
                .isEqualTo("pass");
        DmarcCheck.Outcome strict = dmarc.evaluate(
                "example.com", l, "other.example", SpfResult.FAIL, List.of(dkim("pass", "mail.example.com")));
        assertThat(strict.result()).isEqualTo("fail");
        assertThat(strict.policy()).isEqualTo("reject");
        assertThat(strict.disposition()).isEqualTo("reject");
        assertThat(dmarc.evaluate(
                                "example.com",
                                l,
                                "example.com",
                                SpfResult.SOFTFAIL,
                                List.of(dkim("fail", "example.com")))
                        .result())
                .isEqualTo("fail");
    }

    @Test
    void subdomainFallsBackToTheOrganizationalRecordAndItsSp() throws Exception {
        dns.add("_dmarc.example.com", Type.TXT, "\"v=DMARC1; p=reject; sp=quarantine\"", 60);
        DmarcCheck.Lookup l = lookup("news.example.com");

        assertThat(l.fromOrganizationalDomain()).isTrue();
        DmarcCheck.Outcome o = dmarc.evaluate("news.example.com", l, "other.example", SpfResult.PASS, List.of());
        assertThat(o.policy()).isEqualTo("quarantine");
        assertThat(o.disposition()).isEqualTo("quarantine");
    }

    @Test
    void pctSamplingAppliesTheNextLessStrictPolicyOutsideTheSample() throws Exception {
        dns.add("_dmarc.example.com", Type.TXT, "\"v=DMARC1; p=reject; pct=20\"", 60);
        DmarcCheck.Lookup l = lookup("example.com");

        percentile = 10;
        assertThat(dmarc.evaluate("example.com", l, null, SpfResult.NONE, List.of())
                        .disposition())
                .isEqualTo("reject");
        percentile = 50;
        assertThat(dmarc.evaluate("example.com", l, null, SpfResult.NONE, List.of())
                        .disposition())
                .isEqualTo("quarantine");
    }

    @Test
    void noRecordTwoRecordsAndDnsFailure() throws Exception {
        assertThat(dmarc.evaluate("example.net", lookup("example.net"), null, SpfResult.NONE, List.of())
                        .result())
                .isEqualTo("none");
        dns.add("_dmarc.two.example", Type.TXT, "\"v=DMARC1; p=none\"", 60);
        dns.add("_dmarc.two.example", Type.TXT, "\"v=DMARC1; p=reject\"", 60);
        assertThat(lookup("two.example").record()).isEmpty();
        dns.servfail("_dmarc.broken.example");
        assertThat(dmarc.evaluate("broken.example", lookup("broken.example"), null, SpfResult.NONE, List.of())
                        .result())
                .isEqualTo("temperror");
    }

    @Test
    void recordParsing() {
        assertThat(DmarcRecord.parse("v=DMARC1; p=quarantine; pct=50; aspf=s"))
                .contains(new DmarcRecord("quarantine", Optional.empty(), 50, false, true));
        assertThat(DmarcRecord.parse("p=reject; v=DMARC1")).isEmpty();
        assertThat(DmarcRecord.parse("v=DMARC1; p=bogus; rua=mailto:d@example.com"))
                .map(DmarcRecord::policy)
                .contains("none");
        assertThat(DmarcRecord.parse("v=DMARC1; p=bogus")).isEmpty();
    }
}
