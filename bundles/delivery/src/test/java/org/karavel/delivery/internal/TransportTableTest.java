package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.tls.TlsMode;
import org.karavel.testkit.LogCapture;

/** The transport table: how entries read, which one a domain gets, and what a bad line costs. */
class TransportTableTest {
    private static final TransportTable.Secrets SECRETS = new TransportTable.Secrets(List.of(), n -> null);

    private static TransportTable table(String... lines) {
        return TransportTable.parse("etc/karavel.transport", List.of(lines), SECRETS, null);
    }

    @Test
    void anExactDomainWinsOverTheLongestSubdomainPatternWhichWinsOverTheDefault() {
        TransportTable t = table(
                "# routes",
                "example.test      smtp:[exact.test]:2525",
                ".example.test     smtp:[sub.test]",
                ".deep.example.test lmtp:[lmtp.test]:24",
                "blocked.test      refuse",
                "direct.test       mx",
                "*                 smtp:relay.test:587");

        assertThat(t.route("example.test").name()).isEqualTo("smtp:[exact.test]:2525");
        assertThat(t.route("a.example.test").name()).isEqualTo("smtp:[sub.test]:25");
        assertThat(t.route("x.deep.example.test").name()).isEqualTo("lmtp:[lmtp.test]:24");
        assertThat(t.route("x.deep.example.test").kind()).isEqualTo(Route.Kind.LMTP);
        assertThat(t.route("BLOCKED.test").kind()).isEqualTo(Route.Kind.REFUSE);
        assertThat(t.route("direct.test")).isEqualTo(Route.MX);
        // a domain is not its own subdomain pattern: notexample.test falls through to the default
        assertThat(t.route("notexample.test").name()).isEqualTo("smtp:relay.test:587");
        assertThat(t.route("notexample.test").hops().get(0).mxLookup()).isTrue();
        assertThat(t.size()).isEqualTo(6);
    }

    @Test
    void withoutAnEntryOrDefaultTheMxHostsAreUsed() {
        assertThat(table("example.test smtp:[a.test]").route("other.test")).isEqualTo(Route.MX);
    }

    @Test
    void aListOfSmarthostsKeepsItsOrderAndItsOptions(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("relay"), "s3cret\n");
        TransportTable t = TransportTable.parse(
                "etc/karavel.transport",
                List.of("*  smtp:[a.test]:587, smtp:[b.test]:587  auth=app password=$[secret:relay] tls=Required"),
                new TransportTable.Secrets(List.of(dir), n -> null),
                null);

        Route r = t.route("anything.test");
        assertThat(r.hops()).extracting(NextHop::host).containsExactly("a.test", "b.test");
        assertThat(r.hops()).extracting(NextHop::port).containsExactly(587, 587);
        assertThat(r.tls()).isEqualTo(TlsMode.REQUIRED);
        assertThat(r.auth().user()).isEqualTo("app");
        assertThat(r.auth().insecure()).isFalse();
        assertThat(new String(r.auth().password().read())).isEqualTo("s3cret");
        // the route's name and log text never carry the password, only the reference
        assertThat(r.toString()).doesNotContain("s3cret");
        assertThat(r.auth().password().toString()).isEqualTo("$[secret:relay]");
    }

    @Test
    void thePasswordComesFromTheFirstSecretsDirectoryThatHasItOrFromTheEnvironment(@TempDir Path dir) throws Exception {
        Path credentials = Files.createDirectories(dir.resolve("credentials"));
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(credentials.resolve("relay"), "from-credentials");
        Files.writeString(secrets.resolve("relay"), "from-secrets");
        SecretReference file = SecretReference.parse("$[secret:relay]", List.of(credentials, secrets), n -> null);
        SecretReference env =
                SecretReference.parse("$[env:RELAY_PASSWORD]", List.of(), Map.of("RELAY_PASSWORD", " pw ")::get);

        assertThat(new String(file.read())).isEqualTo("from-credentials");
        assertThat(new String(env.read())).isEqualTo("pw");
        assertThatThrownBy(() -> SecretReference.parse("$[secret:none]", List.of(secrets), n -> null)
                        .read())
                .hasMessageContaining("$[secret:none]");
        assertThat(SecretReference.directories(credentials + "," + secrets + ","))
                .containsExactly(credentials, secrets);
    }

    @Test
    void theSmarthostKeyIsTheDefaultEntryUnlessTheFileHasOne() {
        Route legacy = new Route(Route.Kind.SMTP, List.of(NextHop.parse("[old.test]:25", 25)), null, null);
        TransportTable without = TransportTable.parse("f", List.of("a.test mx"), SECRETS, legacy);
        TransportTable with = TransportTable.parse("f", List.of("* smtp:[new.test]"), SECRETS, legacy);

        assertThat(without.route("b.test")).isEqualTo(legacy);
        assertThat(with.route("b.test").name()).isEqualTo("smtp:[new.test]:25");
    }

    @Test
    void aMalformedEntryIsAnErrorNamingFileAndLineAndIsLeftOut() {
        try (LogCapture log = new LogCapture()) {
            TransportTable t = table(
                    "good.test smtp:[good.test]:25",
                    "inline.test smtp:[a.test] auth=app password=hunter2",
                    "bad..test smtp:[a.test]",
                    "mixed.test smtp:[a.test], lmtp:[b.test]",
                    "unknown.test smtp:[a.test] colour=blue",
                    "nopass.test smtp:[a.test] auth=app",
                    "weird.test uucp:somewhere",
                    "lonely.test",
                    "good.test smtp:[again.test]",
                    "badtls.test smtp:[a.test] tls=Sometimes",
                    "lmtpauth.test lmtp:[a.test] auth=x password=$[env:X]");

            assertThat(t.size()).isEqualTo(1);
            assertThat(t.route("inline.test")).isEqualTo(Route.MX);
            assertThat(t.route("good.test").name()).isEqualTo("smtp:[good.test]:25");
            List<String> errors =
                    log.text().lines().filter(l -> l.contains("ERROR")).toList();
            assertThat(errors).hasSize(10);
            assertThat(errors.get(0)).contains("etc/karavel.transport:2").contains("never written inline");
            assertThat(errors).noneMatch(l -> l.contains("hunter2"));
            assertThat(errors.get(1)).contains("etc/karavel.transport:3");
            assertThat(errors.get(2)).contains(":4").contains("mixes smtp and lmtp");
            assertThat(errors.get(3)).contains(":5").contains("unknown option");
            assertThat(errors.get(4)).contains(":6").contains("go together");
            assertThat(errors.get(5)).contains(":7").contains("is not mx, refuse");
            assertThat(errors.get(6)).contains(":8").contains("no route");
            assertThat(errors.get(7)).contains(":9").contains("has an entry already");
            assertThat(errors.get(8)).contains(":10").contains("unknown TLS mode");
            assertThat(errors.get(9)).contains(":11").contains("smtp next hops only");
        }
    }

    @Test
    void aPasswordThatCannotBeReadNowKeepsTheEntryAndIsAnError() {
        try (LogCapture log = new LogCapture()) {
            TransportTable t = table("* smtp:[relay.test]:587 auth=app password=$[secret:missing]");

            assertThat(t.route("x.test").auth().user()).isEqualTo("app");
            assertThat(log.text())
                    .contains("ERROR")
                    .contains("etc/karavel.transport:1")
                    .contains("$[secret:missing]");
        }
    }

    @Test
    void theMechanismIsPlainWhenOfferedElseLogin() {
        assertThat(SmtpAuth.mechanism("LOGIN PLAIN CRAM-MD5")).isEqualTo("PLAIN");
        assertThat(SmtpAuth.mechanism("login xoauth2")).isEqualTo("LOGIN");
        assertThat(SmtpAuth.mechanism("CRAM-MD5")).isNull();
        assertThat(SmtpAuth.mechanism(null)).isNull();
    }
}
