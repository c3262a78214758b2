package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.karavel.api.dkim.DkimKeys;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.xbill.DNS.Type;

/** The dkim bundle's status checks against a real DNS server on loopback. */
class StatusChecksTest {
    private static Setup setup(String... sending) throws Exception {
        List<InetAddress> a = new ArrayList<>();
        for (String s : sending) {
            a.add(InetAddress.getByName(s));
        }
        return new Setup("mail.example.test", Set.of("example.test"), a, a);
    }

    private static List<Finding> spf(String record, Setup setup) throws Exception {
        try (LoopbackDnsServer dns = LoopbackDnsServer.start()) {
            if (record != null) {
                dns.add("example.test", Type.TXT, "\"" + record + "\"", 60);
            }
            dns.add("example.test", Type.MX, "10 mail.example.test.", 60);
            dns.add("mail.example.test", Type.A, "127.0.0.10", 60);
            return new SpfStatusCheck(new LoopbackResolver(dns.port()))
                    .run(setup)
                    .toCompletableFuture()
                    .get();
        }
    }

    @Test
    void spfIsEvaluatedNotMatchedAsText() throws Exception {
        // the address is covered through the mx mechanism, which no string match would see
        Finding ok = spf("v=spf1 mx -all", setup("127.0.0.10")).get(0);
        assertThat(ok.level()).isEqualTo(Finding.Level.OK);
        Finding fail = spf("v=spf1 mx -all", setup("127.0.0.10", "127.0.0.11")).get(0);
        assertThat(fail.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(fail.found()).isEqualTo("SPF does not pass for 127.0.0.11 fail");
        assertThat(fail.fix()).contains("ip4:127.0.0.10 ip4:127.0.0.11");
        Finding none = spf(null, setup("127.0.0.10")).get(0);
        assertThat(none.found()).isEqualTo("No SPF record is published");
        Finding soft = spf("v=spf1 ~all", setup("127.0.0.10")).get(0);
        assertThat(soft.found()).contains("softfail");
    }

    private static DkimKeys.KeyRecord key(boolean active, String p) {
        return new DkimKeys.KeyRecord(
                "example.test",
                "s1",
                "rsa",
                2048,
                "/keys/example.test/s1.pem",
                "s1._domainkey.example.test",
                "v=DKIM1; k=rsa; p=" + p,
                active);
    }

    @Test
    void dkimRecordsMustCarryTheKeyOfTheFile() {
        assertThat(DkimRecordStatusCheck.judge(key(true, "MIIBabc"), List.of("v=DKIM1; k=rsa; p=MIIB abc"), null)
                        .level())
                .isEqualTo(Finding.Level.OK);
        Finding other = DkimRecordStatusCheck.judge(key(true, "MIIBabc"), List.of("v=DKIM1; p=MIIBxyz"), null);
        assertThat(other.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(other.found()).contains("another key than the file /keys/example.test/s1.pem");
        Finding missing = DkimRecordStatusCheck.judge(key(true, "MIIBabc"), List.of(), null);
        assertThat(missing.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(missing.fix()).contains("s1._domainkey.example.test. TXT");
        assertThat(DkimRecordStatusCheck.judge(key(false, "MIIBabc"), List.of(), null)
                        .level())
                .isEqualTo(Finding.Level.OK);
    }
}
