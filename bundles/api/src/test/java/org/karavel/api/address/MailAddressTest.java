package org.karavel.api.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The address grammar that relay decisions rest on (RFC 5321 §4.1.2, RFC 6531). */
class MailAddressTest {
    @Test
    void plainMailbox() throws Exception {
        MailAddress a = MailAddress.parse("First.Last+tag@Mail.Example.COM");
        assertThat(a.localPart()).isEqualTo("First.Last+tag");
        assertThat(a.domain()).isEqualTo("Mail.Example.COM");
        assertThat(a.domainKey()).isEqualTo("mail.example.com");
        assertThat(a.isQuoted()).isFalse();
        assertThat(a.isAddressLiteral()).isFalse();
        assertThat(a.isNullSender()).isFalse();
        assertThat(a.toPath()).isEqualTo("<First.Last+tag@Mail.Example.COM>");
        assertThat(a).hasToString("First.Last+tag@Mail.Example.COM");
    }

    @Test
    void domainsCompareWithoutCaseLocalPartsWithCase() throws Exception {
        assertThat(MailAddress.parse("user@Example.COM")).isEqualTo(MailAddress.parse("user@example.com"));
        assertThat(MailAddress.parse("user@Example.COM").hashCode())
                .isEqualTo(MailAddress.parse("user@example.com").hashCode());
        assertThat(MailAddress.parse("User@example.com")).isNotEqualTo(MailAddress.parse("user@example.com"));
    }

    @Test
    void quotedLocalPartIsKeptAsWritten() throws Exception {
        MailAddress a = MailAddress.parse("\"first last\"@example.com");
        assertThat(a.isQuoted()).isTrue();
        assertThat(a.localPart()).isEqualTo("\"first last\"");
        assertThat(MailAddress.parse("\"a\\\"b\"@example.com").localPart()).isEqualTo("\"a\\\"b\"");
        assertThat(MailAddress.parse("\"user@other.example\"@example.com").domain())
                .as("an @ inside quotes does not end the local part")
                .isEqualTo("example.com");
    }

    @Test
    void addressLiterals() throws Exception {
        assertThat(MailAddress.parse("user@[192.0.2.1]").isAddressLiteral()).isTrue();
        assertThat(MailAddress.parse("user@[192.0.2.1]").domain()).isEqualTo("[192.0.2.1]");
        assertThat(MailAddress.parse("user@[IPv6:2001:db8::1]").isAddressLiteral())
                .isTrue();
        assertThat(MailAddress.parse("user@[IPv6:2001:db8:0:0:0:0:0:1]").isAddressLiteral())
                .isTrue();
    }

    @Test
    void pathsAndTheNullPath() throws Exception {
        assertThat(MailAddress.parsePath("<>", true, false)).isSameAs(MailAddress.NULL_SENDER);
        assertThat(MailAddress.NULL_SENDER.isNullSender()).isTrue();
        assertThat(MailAddress.NULL_SENDER.toPath()).isEqualTo("<>");
        assertThatThrownBy(() -> MailAddress.parsePath("<>", false, false)).isInstanceOf(AddressSyntaxException.class);
        assertThat(MailAddress.parsePath("<user@example.com>", false, false))
                .isEqualTo(MailAddress.parse("user@example.com"));
    }

    @Test
    void sourceRoutesAreDropped() throws Exception {
        assertThat(MailAddress.parsePath("<@relay.example:user@example.com>", false, false))
                .hasToString("user@example.com");
        assertThat(MailAddress.parsePath("<@a.example,@b.example:user@example.com>", false, false))
                .hasToString("user@example.com");
    }

    @Test
    void smtputf8() throws Exception {
        MailAddress a = MailAddress.parse("jörg@bücher.example", true);
        assertThat(a.needsSmtpUtf8()).isTrue();
        assertThat(MailAddress.parse("user@example.com").needsSmtpUtf8()).isFalse();
        assertThatThrownBy(() -> MailAddress.parse("jörg@example.com", false))
                .isInstanceOf(AddressSyntaxException.class);
        assertThatThrownBy(() -> MailAddress.parse("user@bücher.example", false))
                .isInstanceOf(AddressSyntaxException.class);
        assertThatThrownBy(() -> MailAddress.parse("\"jörg\"@example.com", false))
                .isInstanceOf(AddressSyntaxException.class);
    }

    @Test
    void lengthLimits() throws Exception {
        assertThat(MailAddress.parse("a".repeat(64) + "@example.com").localPart())
                .hasSize(64);
        assertThatThrownBy(() -> MailAddress.parse("a".repeat(65) + "@example.com"))
                .isInstanceOf(AddressSyntaxException.class);
        assertThat(MailAddress.parse("a@" + "b".repeat(63) + ".example").domain())
                .startsWith("b");
        assertThatThrownBy(() -> MailAddress.parse("a@" + "b".repeat(64) + ".example"))
                .isInstanceOf(AddressSyntaxException.class);
        assertThatThrownBy(() -> MailAddress.parsePath("<a@" + "b.".repeat(127) + "example>", false, false))
                .isInstanceOf(AddressSyntaxException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "user",
                "@example.com",
                "user@",
                "user@@example.com",
                "user@other.example@example.com",
                ".user@example.com",
                "user.@example.com",
                "us..er@example.com",
                "user@example..com",
                "user@.example.com",
                "user@example.com.",
                "user@-example.com",
                "user@example-.com",
                "user@exa_mple.com",
                "user@example.com:25",
                "user@exa mple.com",
                "us er@example.com",
                "user@example.com ",
                " user@example.com",
                "user\\@x@example.com",
                "\"unterminated@example.com",
                "\"a\u0001b\"@example.com",
                "a\u0001b@example.com",
                "user@example.com\r\n",
                "user@[192.0.2.256]",
                "user@[01.2.3.4]",
                "user@[192.0.2.1",
                "user@192.0.2.1]",
                "user@[]",
                "user@[tag:x]",
                "user@[IPv6:zz::1]",
                "user@[IPv6:1:2]",
                "user@[IPv6:192.0.2.1]",
                "user@[192.0.2.1]x"
            })
    void refused(String mailbox) {
        assertThatThrownBy(() -> MailAddress.parse(mailbox)).isInstanceOf(AddressSyntaxException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "user@example.com",
                "<user@example.com",
                "user@example.com>",
                "<<user@example.com>>",
                "<@:user@example.com>",
                "<@a:@b:user@example.com>",
                "<@a,b:user@example.com>",
                "<@a,,@b:user@example.com>",
                "<@[192.0.2.1]:user@example.com>",
                "<@a.example>",
                "<user@example.com> SIZE=10"
            })
    void refusedPaths(String path) {
        assertThatThrownBy(() -> MailAddress.parsePath(path, true, true)).isInstanceOf(AddressSyntaxException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "user@[IPv6:1:2:3]",
                "user@[IPv6:1:2:3:4:5:6:7:8:9]",
                "user@[IPv6:1::2::3]",
                "user@[IPv6:12345::1]",
                "user@[IPv6:::::]",
                "user@[IPv6:1:2:3:4:5:6:7::]",
                "user@[IPv6:1:2:3:4:5:6:7:192.0.2.1]",
                "\"a\u0085b\"@example.com",
                "a\u00a0b@example.com",
                "a\u200bb@example.com",
                "\ufeffa@example.com"
            })
    void refusedAfterReview(String mailbox) {
        assertThatThrownBy(() -> MailAddress.parse(mailbox, true)).isInstanceOf(AddressSyntaxException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "user@[IPv6:2001:db8::1]",
                "user@[IPv6:::1]",
                "user@[IPv6:1:2:3:4:5:6:7:8]",
                "user@[IPv6:::ffff:192.0.2.1]",
                "user@[IPv6:1:2:3:4:5:6:192.0.2.1]",
                "user@[IPv6:1:2:3:4:5:6::]"
            })
    void ipv6LiteralsAccepted(String mailbox) throws Exception {
        assertThat(MailAddress.parse(mailbox).isAddressLiteral()).isTrue();
    }

    @Test
    void limitsCountOctetsNotCharacters() throws Exception {
        assertThat(MailAddress.parse("\u00fc".repeat(32) + "@example.com").localPart())
                .hasSize(32);
        assertThatThrownBy(() -> MailAddress.parse("\u00fc".repeat(33) + "@example.com"))
                .isInstanceOf(AddressSyntaxException.class);
    }

    @Test
    void theDomainKeyIsTheIdna2008AsciiFormSoBothSpellingsAreOneDomain() throws Exception {
        MailAddress unicode = MailAddress.parse("anna@Faß.Example", true);
        assertThat(unicode.domain()).isEqualTo("Faß.Example");
        assertThat(unicode.domainKey()).isEqualTo("xn--fa-hia.example");
        assertThat(unicode).isEqualTo(MailAddress.parse("anna@xn--fa-hia.example"));
        assertThat(unicode).isNotEqualTo(MailAddress.parse("anna@fass.example"));
    }
}
