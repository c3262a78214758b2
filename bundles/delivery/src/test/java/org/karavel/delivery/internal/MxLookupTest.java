package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.xbill.DNS.Type;

/** Which exchangers may have DANE: only those of a DNSSEC-authentic MX answer (issue 13). */
class MxLookupTest {
    private LoopbackDnsServer dns;

    @BeforeEach
    void start() throws Exception {
        dns = LoopbackDnsServer.start();
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @Test
    void exchangersOfAnAuthenticMxAnswerMayHaveDaneOthersNot() throws Exception {
        dns.add("signed.test", Type.MX, "10 mx1.signed.test.", 60);
        dns.add("signed.test", Type.MX, "20 mx2.signed.test.", 60);
        dns.add("spoofable.test", Type.MX, "10 mx.attacker.test.", 60);
        dns.add("implicit.test", Type.A, "127.0.0.1", 60);
        dns.authenticData("signed.test"); // as a validating resolver would vouch for a signed zone's answer
        dns.authenticData("implicit.test");
        MxLookup lookup = new MxLookup(new LoopbackResolver(dns.port()), Duration.ofSeconds(5));

        assertThat(lookup.exchangers("signed.test"))
                .containsExactly(
                        new MxLookup.Exchanger("mx1.signed.test", false, 10, true),
                        new MxLookup.Exchanger("mx2.signed.test", false, 20, true));
        assertThat(lookup.exchangers("spoofable.test"))
                .containsExactly(new MxLookup.Exchanger("mx.attacker.test", false, 10, false));
        // no MX: the domain itself, whose address records are not checked for DNSSEC, so no DANE
        assertThat(lookup.exchangers("implicit.test"))
                .containsExactly(new MxLookup.Exchanger("implicit.test", true, false));
    }
}
