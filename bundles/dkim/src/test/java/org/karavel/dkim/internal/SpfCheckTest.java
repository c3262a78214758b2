package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.xbill.DNS.Type;

/** SPF against the zone of RFC 7208 Appendix A, served on 127.0.0.1, and the examples of §7.4 and A.1. */
class SpfCheckTest {
    private LoopbackDnsServer dns;
    private SpfCheck spf;

    @BeforeEach
    void start() throws Exception {
        dns = LoopbackDnsServer.start();
        spf = new SpfCheck(new LoopbackResolver(dns.port()));
        // RFC 7208 Appendix A
        dns.add("example.com", Type.A, "192.0.2.10", 600);
        dns.add("example.com", Type.A, "192.0.2.11", 600);
        dns.add("amy.example.com", Type.A, "192.0.2.65", 600);
        dns.add("bob.example.com", Type.A, "192.0.2.66", 600);
        dns.add("mail-a.example.com", Type.A, "192.0.2.129", 600);
        dns.add("mail-b.example.com", Type.A, "192.0.2.130", 600);
        dns.add("www.example.com", Type.CNAME, "example.com.", 600);
        dns.add("mail-c.example.org", Type.A, "192.0.2.140", 600);
        dns.add("example.com", Type.MX, "10 mail-a.example.com.", 600);
        dns.add("example.com", Type.MX, "20 mail-b.example.com.", 600);
        dns.add("example.org", Type.MX, "10 mail-c.example.org.", 600);
        dns.add("10.2.0.192.in-addr.arpa", Type.PTR, "example.com.", 600);
        dns.add("11.2.0.192.in-addr.arpa", Type.PTR, "example.com.", 600);
        dns.add("65.2.0.192.in-addr.arpa", Type.PTR, "amy.example.com.", 600);
        dns.add("66.2.0.192.in-addr.arpa", Type.PTR, "bob.example.com.", 600);
        dns.add("129.2.0.192.in-addr.arpa", Type.PTR, "mail-a.example.com.", 600);
        dns.add("130.2.0.192.in-addr.arpa", Type.PTR, "mail-b.example.com.", 600);
        dns.add("140.2.0.192.in-addr.arpa", Type.PTR, "mail-c.example.org.", 600);
        dns.add("4.0.0.10.in-addr.arpa", Type.PTR, "bob.example.com.", 600);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private SpfResult check(String record, String ip) throws Exception {
        return check("example.com", record, ip);
    }

    private SpfResult check(String domain, String record, String ip) throws Exception {
        if (record != null) {
            dns.add(domain, Type.TXT, "\"" + record + "\"", 600);
        }
        return spf.check(InetAddress.getByName(ip), domain, "joe@" + domain, "mail.client.example")
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .result();
    }

    private SpfResult again(String ip) throws Exception {
        return spf.check(InetAddress.getByName(ip), "example.com", "joe@example.com", "mail.client.example")
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .result();
    }

    @Test
    void a1AllPassesAnyHost() throws Exception {
        assertThat(check("v=spf1 +all", "192.0.2.200")).isEqualTo(SpfResult.PASS);
    }

    @Test
    void a1AMechanism() throws Exception {
        assertThat(check("v=spf1 a -all", "192.0.2.10")).isEqualTo(SpfResult.PASS);
        assertThat(again("192.0.2.11")).isEqualTo(SpfResult.PASS);
        assertThat(again("192.0.2.65")).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void a1AOfADomainWithoutAddressesMatchesNothing() throws Exception {
        assertThat(check("v=spf1 a:example.org -all", "192.0.2.10")).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void a1MxMechanisms() throws Exception {
        assertThat(check("v=spf1 mx -all", "192.0.2.129")).isEqualTo(SpfResult.PASS);
        assertThat(again("192.0.2.130")).isEqualTo(SpfResult.PASS);
        assertThat(again("192.0.2.140")).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void a1MxOfAnotherDomainAndBoth() throws Exception {
        assertThat(check("v=spf1 mx mx:example.org -all", "192.0.2.140")).isEqualTo(SpfResult.PASS);
        assertThat(again("192.0.2.129")).isEqualTo(SpfResult.PASS);
        assertThat(again("192.0.2.10")).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void a1MxWithCidr() throws Exception {
        assertThat(check("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131")).isEqualTo(SpfResult.PASS);
        assertThat(again("192.0.2.143")).isEqualTo(SpfResult.PASS);
        assertThat(again("192.0.2.135")).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void a1Ptr() throws Exception {
        assertThat(check("v=spf1 ptr -all", "192.0.2.65")).isEqualTo(SpfResult.PASS);
        assertThat(again("192.0.2.140")).isEqualTo(SpfResult.FAIL); // mail-c.example.org is not in example.com
        assertThat(again("10.0.0.4")).isEqualTo(SpfResult.FAIL); // bob.example.com does not point back
    }

    @Test
    void a1Ip4() throws Exception {
        assertThat(check("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.65")).isEqualTo(SpfResult.FAIL);
        assertThat(again("192.0.2.129")).isEqualTo(SpfResult.PASS);
    }

    @Test
    void ip6AndQualifiers() throws Exception {
        assertThat(check("v=spf1 ip6:2001:db8::/32 ~all", "2001:db8::cb01")).isEqualTo(SpfResult.PASS);
        assertThat(again("2001:db9::1")).isEqualTo(SpfResult.SOFTFAIL);
        assertThat(again("192.0.2.1")).isEqualTo(SpfResult.SOFTFAIL);
    }

    @Test
    void includeAndRedirect() throws Exception {
        dns.add("_spf.example.net", Type.TXT, "\"v=spf1 ip4:192.0.2.0/24 -all\"", 600);
        assertThat(check("example.net", "v=spf1 include:_spf.example.net ?all", "192.0.2.7"))
                .isEqualTo(SpfResult.PASS);
        assertThat(check("example.org", "v=spf1 redirect=_spf.example.net", "198.51.100.1"))
                .isEqualTo(SpfResult.FAIL);
        // a failing include is no match: the rest of the record decides
        assertThat(check("example.edu", "v=spf1 include:_spf.example.net ?all", "198.51.100.1"))
                .isEqualTo(SpfResult.NEUTRAL);
    }

    @Test
    void includeOfADomainWithoutSpfIsPermerror() throws Exception {
        assertThat(check("v=spf1 include:example.org -all", "192.0.2.1")).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void noRecordNoDomainAndTwoRecords() throws Exception {
        assertThat(check("example.org", null, "192.0.2.1")).isEqualTo(SpfResult.NONE);
        assertThat(check("nowhere.example", null, "192.0.2.1")).isEqualTo(SpfResult.NONE);
        dns.add("two.example", Type.TXT, "\"v=spf1 -all\"", 600);
        assertThat(check("two.example", "v=spf1 +all", "192.0.2.1")).isEqualTo(SpfResult.PERMERROR);
        assertThat(check("noop.example", "v=spf1", "192.0.2.1")).isEqualTo(SpfResult.NEUTRAL);
    }

    @Test
    void syntaxErrorsArePermerrors() throws Exception {
        assertThat(check("v=spf1 ip4:192.0.2.300 -all", "192.0.2.1")).isEqualTo(SpfResult.PERMERROR);
        assertThat(check("bad.example", "v=spf1 foo:bar -all", "192.0.2.1")).isEqualTo(SpfResult.PERMERROR);
        assertThat(check("bad2.example", "v=spf1 exists:%{z}.example.com -all", "192.0.2.1"))
                .isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void moreThanTenDnsLookupsIsPermerror() throws Exception {
        StringBuilder r = new StringBuilder("v=spf1");
        for (int i = 0; i < 11; i++) {
            r.append(" a:example.com");
        }
        assertThat(check("many.example", r + " -all", "198.51.100.1")).isEqualTo(SpfResult.PERMERROR);
        assertThat(check("ten.example", r.toString().replaceFirst(" a:example.com", "") + " -all", "198.51.100.1"))
                .isEqualTo(SpfResult.FAIL);
    }

    @Test
    void moreThanTwoVoidLookupsIsPermerror() throws Exception {
        assertThat(check("void.example", "v=spf1 a:n1.example a:n2.example a:n3.example -all", "192.0.2.1"))
                .isEqualTo(SpfResult.PERMERROR);
        assertThat(check("void2.example", "v=spf1 a:n1.example a:n2.example -all", "192.0.2.1"))
                .isEqualTo(SpfResult.FAIL);
    }

    @Test
    void dnsFailureIsTemperror() throws Exception {
        dns.servfail("broken.example");
        assertThat(check("broken.example", null, "192.0.2.1")).isEqualTo(SpfResult.TEMPERROR);
        dns.servfail("broken2.example");
        assertThat(check("v=spf1 a:broken2.example -all", "192.0.2.1")).isEqualTo(SpfResult.TEMPERROR);
    }

    @Test
    void existsWithMacrosAsADnsbl() throws Exception {
        // RFC 7208 A.5: the list holds the client address and the local part
        dns.add("3.2.0.192.in-addr._spf.example.com", Type.A, "127.0.0.2", 600);
        assertThat(check("v=spf1 exists:%{ir}.%{v}._spf.%{d} -all", "192.0.2.3"))
                .isEqualTo(SpfResult.PASS);
        assertThat(again("192.0.2.4")).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void macroExamplesOfSection74() throws Exception {
        SpfMacro.Context v4 = new SpfMacro.Context(
                "strong-bad@email.example.com",
                "email.example.com",
                InetAddress.getByName("192.0.2.3"),
                "mx.example.org",
                "mx.example.org");
        String[][] cases = {
            {"%{s}", "strong-bad@email.example.com"},
            {"%{o}", "email.example.com"},
            {"%{d}", "email.example.com"},
            {"%{d4}", "email.example.com"},
            {"%{d3}", "email.example.com"},
            {"%{d2}", "example.com"},
            {"%{d1}", "com"},
            {"%{dr}", "com.example.email"},
            {"%{d2r}", "example.email"},
            {"%{l}", "strong-bad"},
            {"%{l-}", "strong.bad"},
            {"%{lr}", "strong-bad"},
            {"%{lr-}", "bad.strong"},
            {"%{l1r-}", "strong"},
            {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
            {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
            {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
            {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
            {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
            {"%{p}.%{h}", "mx.example.org.mx.example.org"},
            {"%%%_%-", "% %20"},
            {"%{S}", "strong-bad%40email.example.com"},
        };
        for (String[] c : cases) {
            assertThat(SpfMacro.expand(c[0], v4)).as(c[0]).isEqualTo(c[1]);
        }
        SpfMacro.Context v6 = new SpfMacro.Context(
                "strong-bad@email.example.com",
                "email.example.com",
                InetAddress.getByName("2001:db8::cb01"),
                "mx.example.org",
                null);
        assertThat(SpfMacro.expand("%{ir}.%{v}._spf.%{d2}", v6))
                .isEqualTo("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
        assertThat(SpfMacro.expand("%{p}", v6)).isEqualTo("unknown");
    }
}
