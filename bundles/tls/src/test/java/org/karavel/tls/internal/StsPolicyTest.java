package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StsPolicyTest {
    @Test
    void parsesTheExampleOfRfc8461Section32() throws Exception {
        StsPolicy policy = StsPolicy.parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                + "mx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n");
        assertThat(policy.mode()).isEqualTo("enforce");
        assertThat(policy.maxAge()).isEqualTo(Duration.ofSeconds(604800));
        assertThat(policy.mxPatterns()).containsExactly("mail.example.com", "*.example.net", "backupmx.example.com");
        assertThat(policy.lines())
                .containsExactly(
                        "version: STSv1",
                        "mode: enforce",
                        "mx: mail.example.com",
                        "mx: *.example.net",
                        "mx: backupmx.example.com",
                        "max_age: 604800");
    }

    @Test
    void acceptsLfLineEndsUnknownFieldsAndModeNoneWithoutMx() throws Exception {
        StsPolicy policy = StsPolicy.parse("version: STSv1\nmode: none\nmax_age:86400\nextension_1: whatever\n");
        assertThat(policy.mode()).isEqualTo("none");
        assertThat(policy.mxPatterns()).isEmpty();
        assertThat(policy.maxAge()).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void refusesBadPolicies() {
        String mx = "mx: mx.example.com\n";
        for (String body : List.of(
                "mode: enforce\nmax_age: 86400\n" + mx, // no version
                "version: STSv2\nmode: enforce\nmax_age: 86400\n" + mx, // unknown version
                "version: STSv1\nmode: strict\nmax_age: 86400\n" + mx, // unknown mode
                "version: STSv1\nmode: enforce\n" + mx, // no max_age
                "version: STSv1\nmode: enforce\nmax_age: 31557601\n" + mx, // max_age too large
                "version: STSv1\nmode: enforce\nmax_age: -1\n" + mx, // negative
                "version: STSv1\nmode: enforce\nmax_age: 86400\n", // enforce without mx
                "version: STSv1\nmode: testing\nmode: enforce\nmax_age: 86400\n" + mx, // mode twice
                "version: STSv1\nmode: enforce\nmax_age: 86400\nmx: mx..example.com\n", // malformed mx
                "version: STSv1\nmode: enforce\nmax_age: 86400\nmx: a.*.example.com\n", // wildcard not left-most
                "<html><body>Not found</body></html>")) {
            assertThatThrownBy(() -> StsPolicy.parse(body)).as(body).isInstanceOf(StsPolicy.Invalid.class);
        }
    }

    @Test
    void aWildcardMatchesExactlyOneLeftMostLabel() {
        assertThat(StsPolicy.mxMatches("*.example.net", "mx1.example.net")).isTrue();
        assertThat(StsPolicy.mxMatches("*.example.net", "MX1.Example.NET.")).isTrue();
        assertThat(StsPolicy.mxMatches("*.example.net", "a.b.example.net")).isFalse();
        assertThat(StsPolicy.mxMatches("*.example.net", "example.net")).isFalse();
        assertThat(StsPolicy.mxMatches("*.example.net", "mx1.example.network")).isFalse();
        assertThat(StsPolicy.mxMatches("mail.example.com", "mail.example.com")).isTrue();
        assertThat(StsPolicy.mxMatches("mail.example.com", "mail2.example.com")).isFalse();
        assertThat(StsPolicy.mxMatches("mail.example.com", "x.mail.example.com"))
                .isFalse();
    }

    @Test
    void takesTheIdOfExactlyOneStsv1TxtRecord() {
        assertThat(MtaSts.stsId(List.of("v=STSv1; id=20160831085700Z;"))).isEqualTo("20160831085700Z");
        assertThat(MtaSts.stsId(List.of("some other record", "v=STSv1;id=abc123")))
                .isEqualTo("abc123");
        assertThat(MtaSts.stsId(List.of("v=STSv1; id=a", "v=STSv1; id=b")))
                .as("two records: none")
                .isEmpty();
        assertThat(MtaSts.stsId(List.of("v=STSv1; id=not-alphanumeric"))).isEmpty();
        assertThat(MtaSts.stsId(List.of("v=STSv1;"))).as("no id").isEmpty();
        assertThat(MtaSts.stsId(List.of())).isEmpty();
    }
}
