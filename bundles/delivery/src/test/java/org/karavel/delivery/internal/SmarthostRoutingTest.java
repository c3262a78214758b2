package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.Rate;
import org.karavel.testkit.LogCapture;
import org.karavel.testkit.SmtpSink;
import org.karavel.testkit.TestCertificates;
import org.xbill.DNS.Type;

/**
 * The transport table and the sending addresses against real sockets: a domain routed to a fixed
 * host, failover between smarthosts, SMTP AUTH over verified TLS with the password from a secret
 * file, AUTH refused (deferred, never bounced), refuse, and connections bound to a source address
 * with its own EHLO name.
 */
class SmarthostRoutingTest {
    @TempDir
    Path dir;

    private DeliveryFixture f;
    private FakeOutboundTls policy;
    private SmtpSink first;
    private SmtpSink second;
    private Path table;
    private Path secrets;
    private final List<SendingSource> sources = new CopyOnWriteArrayList<>();
    private final List<SendingPool> pools = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        policy = new FakeOutboundTls(org.karavel.api.tls.TlsMode.OPPORTUNISTIC);
        f.outboundTls = policy;
        first = SmtpSink.start();
        second = SmtpSink.start();
        for (String h : List.of("first.test", "second.test", "mx.example.test")) {
            f.dns.add(h, Type.A, "127.0.0.1", 60);
        }
        f.mx("example.test", 10, "mx.example.test");
        f.ports.put("first.test", first.port());
        f.ports.put("second.test", second.port());
        f.ports.put("mx.example.test", second.port());
        table = dir.resolve("karavel.transport");
        secrets = Files.createDirectories(dir.resolve("secrets"));
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        first.close();
        second.close();
    }

    private void start(String... lines) throws Exception {
        Files.write(table, List.of(lines));
        f.routing = new Routing(
                new TransportTableFile(
                        table,
                        Duration.ZERO,
                        new TransportTable.Secrets(List.of(secrets), Map.of("RELAY_PW", "env-password")::get),
                        null),
                new SendingAddresses(() -> sources, () -> pools, LocalRateLimiter::new, Clock.systemUTC()));
        f.start(f.settings(25).minBackoff(Duration.ofSeconds(600)).build());
    }

    private QueuedMessage queueTo(String rcpt, String content) {
        return f.queue("app@sender.test", List.of(rcpt), content);
    }

    @Test
    void aDomainRoutedToAFixedHostGoesThereWithoutMxLookupAndTheOthersToTheirMx() throws Exception {
        start("routed.test smtp:[first.test]:25");
        QueuedMessage routed = queueTo("a@routed.test", DeliveryFixture.message("routed", "x\r\n"));
        QueuedMessage other = queueTo("b@example.test", DeliveryFixture.message("other", "y\r\n"));

        f.awaitRemoved(routed.id());
        f.awaitRemoved(other.id());
        assertThat(first.messages()).extracting(m -> m.recipients().get(0)).containsExactly("a@routed.test");
        assertThat(second.messages()).extracting(m -> m.recipients().get(0)).containsExactly("b@example.test");
        assertThat(f.dns.queries("routed.test")).isZero();
    }

    @Test
    void theSecondSmarthostTakesTheMailWhenTheFirstIsDownAndTheLogNamesIt() throws Exception {
        f.ports.put("first.test", DeliveryFixture.closedPort());
        try (LogCapture log = new LogCapture()) {
            start("* smtp:[first.test]:25, smtp:[second.test]:25");
            QueuedMessage m = queueTo("a@anywhere.test", DeliveryFixture.message("failover", "x\r\n"));

            f.awaitRemoved(m.id());
            assertThat(second.messages()).hasSize(1);
            assertThat(log.text().lines().filter(l -> l.contains(": delivered to=<a@anywhere.test>")))
                    .singleElement()
                    .satisfies(l -> assertThat(l).contains(" relay=second.test[127.0.0.1]:25 "));
        }
    }

    @Test
    void theSecondSmarthostTakesTheMailWhenTheFirstGreetsWith4xx() throws Exception {
        first.greeting("421 4.3.2 busy, try later");
        start("* smtp:[first.test]:25, smtp:[second.test]:25");
        QueuedMessage m = queueTo("a@anywhere.test", DeliveryFixture.message("busy", "x\r\n"));

        f.awaitRemoved(m.id());
        assertThat(first.connections()).isEqualTo(1);
        assertThat(second.messages()).hasSize(1);
    }

    @Test
    void authOverVerifiedTlsWithThePasswordFromASecretFile() throws Exception {
        TestCertificates ca = TestCertificates.authority("Routing Test CA");
        policy.trustedCa = ca.certificate();
        first.startTls(ca.serverContext("first.test")).requireAuth("app", "s3cret pw");
        Files.writeString(secrets.resolve("relay"), "s3cret pw\n");
        start("* smtp:[first.test]:25 auth=app password=$[secret:relay] tls=Required");
        QueuedMessage m = queueTo("a@anywhere.test", DeliveryFixture.message("auth", "x\r\n"));

        f.awaitRemoved(m.id());
        assertThat(first.authSuccesses()).isEqualTo(1);
        assertThat(first.authFailures()).isZero();
        assertThat(first.tlsProtocols()).containsExactly("TLSv1.3");
    }

    @Test
    void aRefusedAuthDefersWithTheReplyAndBouncesNothing() throws Exception {
        TestCertificates ca = TestCertificates.authority("Routing Test CA");
        policy.trustedCa = ca.certificate();
        first.startTls(ca.serverContext("first.test")).authReply("535 5.7.8 Authentication credentials invalid");
        start("* smtp:[first.test]:25 auth=app password=$[env:RELAY_PW] tls=Required");
        QueuedMessage m = queueTo("a@anywhere.test", DeliveryFixture.message("refused", "x\r\n"));

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        RecipientStatus r = after.recipients().get(0);
        assertThat(r.state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(r.lastReply())
                .isEqualTo("SASL authentication failed; server first.test[127.0.0.1]:25"
                        + " said: 535 5.7.8 Authentication credentials invalid");
        assertThat(first.transactions()).isZero();
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void noAuthWithoutVerifiedTlsUnlessTheEntryAllowsIt() throws Exception {
        first.requireAuth("app", "env-password");
        start(
                "strict.test smtp:[first.test]:25 auth=app password=$[env:RELAY_PW]",
                "lax.test smtp:[first.test]:25 auth=app password=$[env:RELAY_PW] auth_insecure=true");
        QueuedMessage strict = queueTo("a@strict.test", DeliveryFixture.message("strict", "x\r\n"));

        QueuedMessage after = f.awaitAttempts(strict.id(), 1);
        assertThat(after.recipients().get(0).lastReply()).startsWith("451 4.7.5 no AUTH to first.test");
        assertThat(first.authSuccesses() + first.authFailures()).isZero();

        QueuedMessage lax = queueTo("a@lax.test", DeliveryFixture.message("lax", "x\r\n"));
        f.awaitRemoved(lax.id());
        assertThat(first.authSuccesses()).isEqualTo(1);
    }

    @Test
    void aNextHopThatOffersNoAuthDefers() throws Exception {
        start("* smtp:[first.test]:25 auth=app password=$[env:RELAY_PW] auth_insecure=true");
        QueuedMessage m = queueTo("a@anywhere.test", DeliveryFixture.message("noauth", "x\r\n"));

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(after.recipients().get(0).lastReply()).contains("offers no AUTH PLAIN or LOGIN");
    }

    @Test
    void aRefusedDomainBouncesAtOnce() throws Exception {
        start("blocked.test refuse");
        QueuedMessage m = queueTo("a@blocked.test", DeliveryFixture.message("refuse", "x\r\n"));

        f.awaitRemoved(m.id());
        assertThat(f.dsns()).hasSize(1);
        assertThat(first.connections() + second.connections()).isZero();
    }

    @Test
    void connectionsLeaveFromThePoolsSourceAddressWithItsEhloNameAndWithoutThePoolHeader() throws Exception {
        sources.add(new SendingSource("two", InetAddress.getByName("127.0.0.2"), "two.mta.test", Warmup.NONE, true));
        sources.add(new SendingSource("three", InetAddress.getByName("127.0.0.3"), "", Warmup.NONE, true));
        pools.add(new SendingPool("bulk", SendingPool.parseMembers(List.of("two")), Set.of(), Set.of(), Set.of()));
        pools.add(new SendingPool("tx", SendingPool.parseMembers(List.of("three")), Set.of(), Set.of(), Set.of()));
        List<String> signed = new CopyOnWriteArrayList<>();
        f.signer = (envelope, content) -> {
            signed.add(new String(content.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            return "DKIM-Signature: v=1; d=sender.test; s=test; b=c2lnbmVk";
        };
        start("# no routes");
        QueuedMessage bulk =
                queueTo("a@example.test", "X-Karavel-Pool: bulk\r\n" + DeliveryFixture.message("bulk", "x\r\n"));
        f.awaitRemoved(bulk.id());
        QueuedMessage tx = queueTo("b@example.test", "X-Karavel-Pool: tx\r\n" + DeliveryFixture.message("tx", "y\r\n"));
        f.awaitRemoved(tx.id());

        assertThat(second.clientAddresses()).containsExactly("127.0.0.2", "127.0.0.3");
        assertThat(second.messages())
                .extracting(SmtpSink.ReceivedMail::helo)
                .containsExactly("two.mta.test", DeliveryFixture.HELO);
        assertThat(second.messages())
                .allSatisfy(r -> assertThat(r.contentAsString()).doesNotContain("X-Karavel-Pool"));
    }

    @Test
    void whenEverySourceOfThePoolIsOverItsWarmupTheMailWaitsWithoutAnAttempt() throws Exception {
        sources.add(new SendingSource(
                "new",
                InetAddress.getByName("127.0.0.2"),
                "new.mta.test",
                Warmup.parse(java.time.LocalDate.now(java.time.ZoneOffset.UTC) + ": 1/day"),
                true));
        pools.add(new SendingPool("default", SendingPool.parseMembers(List.of("new")), Set.of(), Set.of(), Set.of()));
        start("# no routes");
        // the limiter of this test is one per choice: share one, as the component does
        LocalRateLimiter shared = new LocalRateLimiter();
        f.scheduler.stop(Duration.ofSeconds(1));
        f.routing = new Routing(
                f.routing.table(), new SendingAddresses(() -> sources, () -> pools, () -> shared, Clock.systemUTC()));
        f.start(f.settings(25).minBackoff(Duration.ofSeconds(600)).build());
        QueuedMessage one = queueTo("a@example.test", DeliveryFixture.message("one", "x\r\n"));
        f.awaitRemoved(one.id());
        QueuedMessage two = queueTo("b@example.test", DeliveryFixture.message("two", "y\r\n"));

        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> f.get(two.id())
                        .map(m ->
                                m.nextAttempt().isAfter(java.time.Instant.now().plusSeconds(60)))
                        .orElse(false));
        QueuedMessage waiting = f.get(two.id()).orElseThrow();
        assertThat(waiting.attempts()).isZero();
        assertThat(waiting.recipients().get(0).state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(second.messages()).hasSize(1);
        assertThat(second.clientAddresses()).containsExactly("127.0.0.2");
    }

    @Test
    void anEditedTableRoutesTheNextMessageAnew() throws Exception {
        start("moved.test smtp:[first.test]:25");
        QueuedMessage before = queueTo("a@moved.test", DeliveryFixture.message("before", "x\r\n"));
        f.awaitRemoved(before.id());

        Files.write(table, List.of("moved.test smtp:[second.test]:25"));
        Files.setLastModifiedTime(
                table, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        QueuedMessage after = queueTo("b@moved.test", DeliveryFixture.message("after", "y\r\n"));
        f.awaitRemoved(after.id());

        assertThat(first.messages()).extracting(m -> m.recipients().get(0)).containsExactly("a@moved.test");
        assertThat(second.messages()).extracting(m -> m.recipients().get(0)).containsExactly("b@moved.test");
    }

    @Test
    void anIpv6SourceReachesOnlyTheIpv6AddressesOfAHost() throws Exception {
        try (SmtpSink sink6 = SmtpSink.start(InetAddress.getByName("::1"))) {
            // dual.test's MX has both families; only ::1 listens on this port, and the source is IPv6
            f.dns.add("dual.test", Type.MX, "10 mx.dual.test.", 60);
            f.dns.add("mx.dual.test", Type.A, "127.0.0.1", 60);
            f.dns.add("mx.dual.test", Type.AAAA, "::1", 60);
            f.ports.put("mx.dual.test", sink6.port());
            sources.add(new SendingSource("six", InetAddress.getByName("::1"), "six.mta.test", Warmup.NONE, true));
            pools.add(
                    new SendingPool("default", SendingPool.parseMembers(List.of("six")), Set.of(), Set.of(), Set.of()));
            start("# no routes");
            QueuedMessage m = queueTo("a@dual.test", DeliveryFixture.message("six", "x\r\n"));

            f.awaitRemoved(m.id());
            assertThat(sink6.clientAddresses()).containsExactly("0:0:0:0:0:0:0:1");
            assertThat(sink6.messages().get(0).helo()).isEqualTo("six.mta.test");
        }
    }

    @Test
    void aSourceAddressIsReadFromItsConfigurationAndOneNotOnThisMachineIsAnError() {
        try (LogCapture log = new LogCapture()) {
            SendingSource six = SourceComponent.read(source("six", "::1", "six.mta.test", ""), "etc/six.cfg");
            SendingSource gone = SourceComponent.read(source("", "192.0.2.9", "", ""), "etc/gone.cfg");
            SendingSource badWarmup =
                    SourceComponent.read(source("w", "127.0.0.2", "", "2026-12-01: 500/fortnight"), "etc/w.cfg");
            SendingSource notAnAddress = SourceComponent.read(source("x", "mta.example.com", "", ""), "etc/x.cfg");
            SendingSource badRate =
                    SourceComponent.read(source("r", "127.0.0.2", "", "", "100/fortnight"), "etc/r.cfg");
            SendingSource rated = SourceComponent.read(source("ok", "127.0.0.2", "", "", "100/min"), "etc/ok.cfg");

            assertThat(six.usable()).isTrue();
            assertThat(six.address().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
            assertThat(gone.usable()).isFalse();
            assertThat(gone.name()).isEqualTo("192.0.2.9");
            assertThat(badWarmup.usable()).isFalse();
            assertThat(notAnAddress.usable()).isFalse();
            assertThat(badRate.usable()).isFalse();
            assertThat(rated.usable()).isTrue();
            assertThat(rated.maxMessageRate()).isEqualTo(Rate.parse("100/min"));
            assertThat(log.text().lines().filter(l -> l.contains("ERROR")))
                    .anySatisfy(l -> assertThat(l)
                            .contains("etc/gone.cfg: address = 192.0.2.9 is not an address of this machine"))
                    .anySatisfy(
                            l -> assertThat(l).contains("etc/w.cfg: warmup = ").contains("fortnight"))
                    .anySatisfy(
                            l -> assertThat(l).contains("etc/x.cfg: address = mta.example.com is not an IP address"))
                    .anySatisfy(l -> assertThat(l)
                            .contains("etc/r.cfg: max_message_rate = 100/fortnight")
                            .contains("the pools skip source r"));
        }
    }

    private static SourceConfig source(String name, String address, String ehlo, String warmup) {
        return source(name, address, ehlo, warmup, "");
    }

    private static SourceConfig source(String name, String address, String ehlo, String warmup, String rate) {
        return new SourceConfig() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return SourceConfig.class;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public String address() {
                return address;
            }

            @Override
            public String ehlo__name() {
                return ehlo;
            }

            @Override
            public String warmup() {
                return warmup;
            }

            @Override
            public String max__message__rate() {
                return rate;
            }
        };
    }
}
