package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Coverage-guided fuzzing of the MTA-STS policy parser: the policy body comes from a web server
 * anyone can run. Only {@link StsPolicy.Invalid} may come out; a policy that parses has a known
 * mode, a max_age within the RFC 8461 limit, well-formed mx patterns that match themselves, and
 * prints back to an equal policy. Seeds in StsPolicyFuzzTestInputs/parse.
 */
class StsPolicyFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parse(byte[] input) throws StsPolicy.Invalid {
        StsPolicy policy;
        try {
            policy = StsPolicy.parse(new String(input, StandardCharsets.UTF_8));
        } catch (StsPolicy.Invalid expected) {
            return;
        }
        assertThat(policy.mode()).isIn(Set.of("enforce", "testing", "none"));
        assertThat(policy.maxAge().getSeconds()).isBetween(0L, StsPolicy.MAX_AGE_LIMIT);
        if (!policy.mode().equals("none")) {
            assertThat(policy.mxPatterns()).isNotEmpty();
        }
        StringBuilder printed = new StringBuilder("version: STSv1\r\nmode: " + policy.mode() + "\r\nmax_age: "
                + policy.maxAge().getSeconds() + "\r\n");
        for (String mx : policy.mxPatterns()) {
            assertThat(mx).isLowerCase().doesNotEndWith(".");
            if (!mx.startsWith("*.")) {
                assertThat(policy.mxMatches(mx)).isTrue();
                assertThat(policy.mxMatches(mx.toUpperCase(Locale.ROOT) + ".")).isTrue();
            }
            printed.append("mx: ").append(mx).append("\r\n");
        }
        StsPolicy again = StsPolicy.parse(printed.toString());
        assertThat(again.mode()).isEqualTo(policy.mode());
        assertThat(again.maxAge()).isEqualTo(policy.maxAge());
        assertThat(again.mxPatterns()).isEqualTo(policy.mxPatterns());
    }
}
