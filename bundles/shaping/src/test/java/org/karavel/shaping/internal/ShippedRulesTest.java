package org.karavel.shaping.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.karavel.api.shaping.ShapingAction.Kind;
import org.karavel.testkit.LogCapture;

/** The rules and reactions the distribution ships in etc/ (from config/) are read without an error. */
class ShippedRulesTest {
    private static final Path CONFIG = Path.of("../../config");

    @Test
    void everyShippedRuleParsesAndTheProvidersAreMatchedByTheirMxHosts() throws Exception {
        List<SiteRule> rules = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(CONFIG, "org.karavel.shaping-*.cfg")) {
            for (Path f : files) {
                Map<String, Object> p = read(f);
                p.put("felix.fileinstall.filename", f.toUri().toString());
                rules.add(SiteRule.parse(SiteRuleComponent.nameOf(p, f.toString()), p, f.toString()));
            }
        }
        assertThat(rules).extracting(SiteRule::name).contains("default", "gmail", "outlook", "yahoo", "icloud", "gmx");
        SiteRules r = new SiteRules(rules);
        assertThat(r.siteOf("example.com", List.of("mx1.shaping-test.google.com")))
                .isEqualTo("gmail");
        assertThat(r.siteOf("example.com", List.of("shaping-test.mail.protection.outlook.com")))
                .isEqualTo("outlook");
        assertThat(r.siteOf("aol.com", List.of("mx.shaping-test.yahoodns.net"))).isEqualTo("yahoo");
        assertThat(r.siteOf("example.de", List.of("mx.shaping-test.gmx.net"))).isEqualTo("gmx");
        assertThat(r.siteOf("small.example", List.of("mx.small.example"))).isEqualTo("small.example");
        assertThat(r.limits("small.example").maxConnections()).isEqualTo(20);
    }

    @Test
    void theShippedReactionsParseWithoutAnError() throws IOException {
        try (LogCapture log = new LogCapture()) {
            ReactionRules rules = ReactionRules.parse(
                    Files.readString(CONFIG.resolve("karavel.shaping-reactions"), StandardCharsets.UTF_8),
                    "karavel.shaping-reactions");
            assertThat(log.text()).doesNotContain("ERROR");
            assertThat(rules.rules()).isNotEmpty();
            assertThat(rules.match(
                                    "gmail",
                                    "421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating"
                                            + " from your IP address.")
                            .kind())
                    .isEqualTo(Kind.SUSPEND);
            assertThat(rules.match("yahoo", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred")
                            .kind())
                    .isEqualTo(Kind.SUSPEND);
            assertThat(rules.match(
                                    "outlook",
                                    "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to"
                                            + " IP reputation. (S775)")
                            .kind())
                    .isEqualTo(Kind.CONNECTIONS);
            assertThat(rules.match("small.example", "450 4.2.1 Mailbox busy")).isNull();
        }
    }

    private static Map<String, Object> read(Path f) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        Map<String, Object> m = new HashMap<>();
        p.forEach((k, v) -> m.put(k.toString(), v.toString().strip()));
        return m;
    }
}
