package org.karavel.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;

class RelayPolicyTest {
    private final RelayPolicy policy = RelayPolicy.from(
            new String[] {"Example.COM", "mail.example.org.", "bücher.example", " ", "bad..domain"},
            new String[] {"relay.example", ".partner.example"},
            new String[] {"127.0.0.0/8", "::1/128", "192.0.2.0/24", "not-a-network", "10.0.0.1/8"});

    @Test
    void localDomainsAreCaseInsensitiveAndIgnoreTheTrailingDot() {
        assertThat(policy.isLocal("example.com")).isTrue();
        assertThat(policy.isLocal("EXAMPLE.com.")).isTrue();
        assertThat(policy.isLocal("mail.example.org")).isTrue();
        assertThat(policy.isLocal("MAIL.EXAMPLE.ORG.")).isTrue();
        assertThat(policy.isLocal("sub.example.com"))
                .as("no subdomains for local domains")
                .isFalse();
        assertThat(policy.isLocal("example.co")).isFalse();
        assertThat(policy.isLocal("")).isFalse();
        assertThat(policy.isLocal(null)).isFalse();
        assertThat(policy.isLocal("[127.0.0.1]")).isFalse();
        assertThat(policy.localDomains())
                .containsExactlyInAnyOrder("example.com", "mail.example.org", "xn--bcher-kva.example");
    }

    @Test
    void sharpSIsNotSsAsIdna2003WouldHaveIt() {
        RelayPolicy german =
                RelayPolicy.from(new String[] {"faß.example"}, new String[0], new String[] {"127.0.0.1/32"});
        assertThat(german.localDomains()).containsExactly("xn--fa-hia.example");
        assertThat(german.isLocal("faß.example")).isTrue();
        assertThat(german.isLocal("fass.example"))
                .as("another domain under IDNA2008")
                .isFalse();
    }

    @Test
    void internationalDomainsMatchInBothForms() {
        assertThat(policy.isLocal("bücher.example")).isTrue();
        assertThat(policy.isLocal("BÜCHER.example")).isTrue();
        assertThat(policy.isLocal("xn--bcher-kva.example")).isTrue();
    }

    @Test
    void relayDomainsWithSubdomainPatterns() {
        assertThat(policy.isRelayDomain("relay.example")).isTrue();
        assertThat(policy.isRelayDomain("RELAY.example.")).isTrue();
        assertThat(policy.isRelayDomain("sub.relay.example")).isFalse();
        assertThat(policy.isRelayDomain("a.partner.example")).isTrue();
        assertThat(policy.isRelayDomain("a.b.PARTNER.example")).isTrue();
        assertThat(policy.isRelayDomain("partner.example"))
                .as("'.partner.example' is subdomains only")
                .isFalse();
        assertThat(policy.isRelayDomain("evilpartner.example")).isFalse();
        assertThat(policy.isRelayDomain("example.com")).isFalse();
    }

    @Test
    void invalidEntriesAreLeftOutNotWidened() throws Exception {
        assertThat(policy.isRelayHost(InetAddress.getByName("192.0.2.200"))).isTrue();
        assertThat(policy.isRelayHost(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(policy.isRelayHost(InetAddress.getByName("::1"))).isTrue();
        assertThat(policy.isRelayHost(InetAddress.getByName("10.0.0.1")))
                .as("'10.0.0.1/8' was refused")
                .isFalse();
        assertThat(policy.isRelayHost(InetAddress.getByName("198.51.100.1"))).isFalse();
        assertThat(policy.isRelayHost(null)).isFalse();
    }

    @Test
    void emptyConfigurationRefusesEverythingRemote() throws Exception {
        RelayPolicy empty = RelayPolicy.from(null, null, null);
        Verdict v = empty.recipient(MailAddress.parse("a@example.com"), InetAddress.getByName("127.0.0.1"), false);
        assertThat(v.kind()).isEqualTo(Verdict.Kind.REJECT);
        assertThat(empty.localDomains()).isEmpty();
    }

    @Test
    void listEntriesMayHoldSeveralValuesAsACfgFileGivesThem() throws Exception {
        RelayPolicy fromCfg =
                RelayPolicy.from(new String[] {"a.example, b.example  c.example"}, new String[] {""}, new String[] {
                    "127.0.0.0/8, ::1/128 , 192.0.2.0/24"
                });

        assertThat(fromCfg.localDomains()).containsExactlyInAnyOrder("a.example", "b.example", "c.example");
        assertThat(fromCfg.isRelayHost(InetAddress.getByName("192.0.2.1"))).isTrue();
        assertThat(fromCfg.isRelayHost(InetAddress.getByName("::1"))).isTrue();
        assertThat(RelayPolicy.from(new String[] {" ", null, ","}, null, null).localDomains())
                .isEmpty();
    }

    @Test
    void verdictTexts() throws Exception {
        Verdict denied =
                policy.recipient(MailAddress.parse("user@other.example"), InetAddress.getByName("198.51.100.1"), false);
        assertThat(denied.kind()).isEqualTo(Verdict.Kind.REJECT);
        assertThat(denied).hasToString("554 5.7.1 <user@other.example>: Relay access denied");

        Verdict form = policy.recipient(
                MailAddress.parse("user%other.example@example.com"), InetAddress.getByName("127.0.0.1"), true);
        assertThat(form)
                .hasToString(
                        "550 5.7.1 <user%other.example@example.com>: Relay access denied (address form not allowed)");
    }

    @Test
    void routingFormsIncludeCompatibilityCharacters() throws Exception {
        for (String a : List.of(
                "user\uFF20other.example@example.com",
                "user\uFE6Bother@example.com",
                "user\uFF05other@example.com",
                "user\uFE6Aother@example.com",
                "host\uFF01user@example.com")) {
            assertThat(RelayPolicy.hasRoutingForm(MailAddress.parse(a))).as(a).isTrue();
        }
        for (String a : List.of(
                "user@example.com",
                "first.last+tag@example.com",
                "\"quoted name\"@example.com",
                "o'brien@example.com",
                "ü@example.com")) {
            assertThat(RelayPolicy.hasRoutingForm(MailAddress.parse(a))).as(a).isFalse();
        }
        assertThat(RelayPolicy.hasRoutingForm(MailAddress.NULL_SENDER)).isFalse();
    }
}
