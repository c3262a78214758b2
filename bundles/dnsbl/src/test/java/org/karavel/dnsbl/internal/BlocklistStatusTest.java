package org.karavel.dnsbl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.xbill.DNS.Type;

/** The block-list status check against a real DNS server on loopback serving the list zones. */
class BlocklistStatusTest {
    private LoopbackDnsServer dns;
    private BlocklistStatus check;

    @BeforeEach
    void start() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.add("1.2.0.192.zen.spamhaus.org", Type.A, "127.0.0.2", 60);
        dns.add(
                "1.2.0.192.zen.spamhaus.org",
                Type.TXT,
                "\"https://check.spamhaus.org/listed/?searchterm=192.0.2.1\"",
                60);
        dns.add("3.2.0.192.zen.spamhaus.org", Type.A, "127.255.255.254", 60);
        dns.add("listed.test.dbl.spamhaus.org", Type.A, "127.0.1.2", 60);
        DnsblFilter filter = new DnsblFilter(
                DnsblSettings.from(DnsblFilterTest.config(Map.of())),
                new LoopbackResolver(dns.port()),
                new DnsblCounters());
        check = new BlocklistStatus(() -> filter);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private List<Finding> run(List<String> addresses, Set<String> domains) throws Exception {
        List<InetAddress> a = addresses.stream().map(BlocklistStatusTest::ip).toList();
        return check.run(new Setup("mx.clean.test", domains, a, a))
                .toCompletableFuture()
                .get();
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    @Test
    void aListedAddressIsAnErrorWithTheListsReasonAndACleanOneOk() throws Exception {
        List<Finding> f = run(List.of("192.0.2.1", "192.0.2.2"), Set.of("clean.test"));
        assertThat(f)
                .extracting(Finding::level)
                .containsExactly(Finding.Level.ERROR, Finding.Level.OK, Finding.Level.OK);
        assertThat(f.get(0).found())
                .isEqualTo("The address 192.0.2.1 is on zen.spamhaus.org (127.0.0.2: "
                        + "https://check.spamhaus.org/listed/?searchterm=192.0.2.1)");
        assertThat(f.get(2).subject()).isEqualTo("clean.test");
    }

    @Test
    void anErrorCodeIsReadAsARefusedQueryNotAListing() throws Exception {
        Finding f = run(List.of("192.0.2.3"), Set.of()).get(0);
        assertThat(f.level()).isEqualTo(Finding.Level.WARNING);
        assertThat(f.found()).contains("error code, not a listing");
        assertThat(f.fix()).contains("dqs_key");
    }

    @Test
    void aListedDomainIsAnError() throws Exception {
        Finding f = run(List.of(), Set.of("listed.test")).get(0);
        assertThat(f.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(f.found()).startsWith("The domain listed.test is on dbl.spamhaus.org (127.0.1.2");
    }
}
