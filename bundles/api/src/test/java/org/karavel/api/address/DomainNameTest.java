package org.karavel.api.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.IDN;
import org.junit.jupiter.api.Test;

class DomainNameTest {
    @Test
    void sharpSIsItsOwnLetterUnderIdna2008NotAnSs() {
        assertThat(DomainName.toAscii("faß.de")).isEqualTo("xn--fa-hia.de");
        // what the JDK would have said: another domain
        assertThat(IDN.toASCII("faß.de", IDN.ALLOW_UNASSIGNED)).isEqualTo("fass.de");
    }

    @Test
    void unicodeDomainsBecomeLowerCaseALabels() {
        assertThat(DomainName.toAscii("BÜCHER.Example")).isEqualTo("xn--bcher-kva.example");
        assertThat(DomainName.toAscii("例え.テスト")).isEqualTo("xn--r8jz45g.xn--zckzah");
        assertThat(DomainName.toUnicode("xn--bcher-kva.example")).isEqualTo("bücher.example");
    }

    @Test
    void asciiNamesAndAddressLiteralsAreOnlyLowerCased() {
        assertThat(DomainName.toAscii("Mail.Example.COM")).isEqualTo("mail.example.com");
        assertThat(DomainName.toAscii("_dmarc.example.com")).isEqualTo("_dmarc.example.com");
        assertThat(DomainName.toAscii("[IPv6:2001:DB8::1]")).isEqualTo("[ipv6:2001:db8::1]");
        assertThat(DomainName.toAscii("XN--BCHER-KVA.example")).isEqualTo("xn--bcher-kva.example");
    }

    @Test
    void namesIdna2008ForbidsAreRefused() {
        // a Punycode label that does not decode, and a joiner outside the context CONTEXTJ allows
        assertThatThrownBy(() -> DomainName.toAscii("xn--a.example")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DomainName.toAscii("a\u200Db.example"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a\u200Db.example");
    }
}
