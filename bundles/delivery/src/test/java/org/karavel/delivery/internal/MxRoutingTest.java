package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * Where remote mail goes: MX order and fallback, implicit MX, null MX, NXDOMAIN, DNS failure,
 * address literals and the smarthost. DNS answers come from the testkit's LoopbackDnsServer through
 * dnsjava (LoopbackResolver); each exchanger's port is chosen by host name since all listen on 127.0.0.1.
 */
class MxRoutingTest {
    private DeliveryFixture f;
    private SmtpSink primary;
    private SmtpSink backup;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        primary = SmtpSink.start();
        backup = SmtpSink.start();
        // listed backup first: the order of preference must come from the numbers
        f.mx("example.test", 20, "mx2.example.test", 10, "mx1.example.test");
        f.ports.put("mx1.example.test", primary.port());
        f.ports.put("mx2.example.test", backup.port());
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        primary.close();
        backup.close();
    }

    private QueuedMessage queueTo(String rcpt) {
        return f.queue("sender@sender.test", List.of(rcpt), DeliveryFixture.message("routing", "hello\r\n"));
    }

    @Test
    void theMostPreferredExchangerGetsTheMail() {
        QueuedMessage m = queueTo("a@example.test");
        f.start(f.settings(25).build());

        f.awaitRemoved(m.id());
        assertThat(primary.messages()).hasSize(1);
        assertThat(backup.connections()).isZero();
        assertThat(f.dns.queries("mx2.example.test"))
                .as("the backup is not even looked up")
                .isZero();
    }

    @Test
    void theNextExchangerIsTriedWhenTheFirstRefusesConnections() throws Exception {
        f.ports.put("mx1.example.test", DeliveryFixture.closedPort());
        QueuedMessage m = queueTo("a@example.test");
        f.start(f.settings(25).build());

        f.awaitRemoved(m.id());
        assertThat(backup.messages()).hasSize(1);
        assertThat(backup.messages().get(0).recipients()).containsExactly("a@example.test");
    }

    @Test
    void theNextExchangerIsTriedWhenTheFirstGreetsWithAnError() {
        primary.greeting("421 4.3.2 mx1 is busy");
        QueuedMessage m = queueTo("a@example.test");
        f.start(f.settings(25).build());

        f.awaitRemoved(m.id());
        assertThat(primary.connections()).isEqualTo(1);
        assertThat(primary.messages()).isEmpty();
        assertThat(backup.messages()).hasSize(1);
    }

    @Test
    void whenNoExchangerAnswersTheRecipientIsDeferredWithTheLastError() throws Exception {
        f.ports.put("mx1.example.test", DeliveryFixture.closedPort());
        f.ports.put("mx2.example.test", DeliveryFixture.closedPort());
        Instant before = Instant.now();
        QueuedMessage m = queueTo("a@example.test");
        f.start(f.settings(25).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        RecipientStatus r = after.recipients().get(0);
        assertThat(r.state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(r.lastReply())
                .startsWith("connect to mx2.example.test[127.0.0.1]:")
                .contains("refused");
        assertThat(after.nextAttempt()).isAfterOrEqualTo(before.plus(Duration.ofSeconds(300)));
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void aDomainWithoutMxIsItsOwnExchanger() {
        f.dns.add("plain.test", Type.A, "127.0.0.1", 60);
        f.ports.put("plain.test", primary.port());
        QueuedMessage m = queueTo("a@plain.test");
        f.start(f.settings(25).build());

        f.awaitRemoved(m.id());
        assertThat(primary.messages()).hasSize(1);
        assertThat(primary.messages().get(0).recipients()).containsExactly("a@plain.test");
    }

    @Test
    void aNullMxBouncesAtOnceWithoutConnecting() {
        f.dns.add("nomail.test", Type.MX, "0 .", 60);
        QueuedMessage m = queueTo("a@nomail.test");
        f.start(f.settings(primary.port()).build());

        f.awaitRemoved(m.id());
        assertThat(primary.connections() + backup.connections()).isZero();
        List<Map<String, String>> groups = dsnGroups();
        assertThat(groups.get(1))
                .containsEntry("final-recipient", "rfc822; a@nomail.test")
                .containsEntry("status", "5.1.10")
                .containsEntry("diagnostic-code", "smtp; 556 5.1.10 Domain does not accept mail (null MX)");
    }

    @Test
    void aDomainThatDoesNotExistBounces() {
        QueuedMessage m = queueTo("a@nxdomain.test");
        f.start(f.settings(primary.port()).build());

        f.awaitRemoved(m.id());
        List<Map<String, String>> groups = dsnGroups();
        assertThat(groups.get(1)).containsEntry("status", "5.1.2").doesNotContainKey("remote-mta");
        assertThat(groups.get(1).get("diagnostic-code")).contains("Host or domain name not found");
    }

    @Test
    void aTemporaryDnsFailureDefers() {
        f.dns.servfail("broken.test");
        QueuedMessage m = queueTo("a@broken.test");
        f.start(f.settings(primary.port()).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(after.recipients().get(0).lastReply()).startsWith("451 4.4.3");
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void anAddressLiteralGoesToThatAddressWithoutDns() {
        QueuedMessage m = queueTo("postmaster@[127.0.0.1]");
        f.start(f.settings(primary.port()).build());

        f.awaitRemoved(m.id());
        assertThat(primary.messages()).hasSize(1);
        assertThat(primary.messages().get(0).recipients()).containsExactly("postmaster@[127.0.0.1]");
        assertThat(f.dns.queries("127.0.0.1")).isZero();
    }

    @Test
    void aBracketedSmarthostTakesAllRemoteMailWithoutMxLookups() {
        f.dns.add("relay.test", Type.A, "127.0.0.1", 60);
        SmtpSink relay = backup;
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("a@example.test", "b@unknown.test"),
                DeliveryFixture.message("smarthost", "via relay\r\n"));
        f.start(f.settings(25).smarthost("[relay.test]:" + relay.port()).build());

        f.awaitRemoved(m.id());
        assertThat(relay.messages()).hasSize(1);
        assertThat(relay.messages().get(0).recipients()).containsExactly("a@example.test", "b@unknown.test");
        assertThat(primary.connections()).isZero();
        assertThat(f.dns.queries("example.test")).isZero();
        assertThat(f.dns.queries("unknown.test")).isZero();
        assertThat(f.dns.queries("relay.test")).isPositive();
    }

    @Test
    void aSmarthostWithoutBracketsIsLookedUpAsAMailDomain() {
        f.mx("relay.test", 10, "mx.relay.test");
        f.ports.put("mx.relay.test", backup.port());
        QueuedMessage m = queueTo("a@example.test");
        f.start(f.settings(25).smarthost("relay.test").build());

        f.awaitRemoved(m.id());
        assertThat(backup.messages()).hasSize(1);
        assertThat(primary.connections()).isZero();
    }

    @Test
    void aSmarthostGivenAsAnAddressIsUsedAsIs() {
        QueuedMessage m = queueTo("a@example.test");
        f.start(f.settings(25).smarthost("[127.0.0.1]:" + backup.port()).build());

        f.awaitRemoved(m.id());
        assertThat(backup.messages()).hasSize(1);
        assertThat(f.dns.queries("example.test")).isZero();
    }

    private List<Map<String, String>> dsnGroups() {
        assertThat(f.dsns()).hasSize(1);
        ParsedReport report = ParsedReport.parse(f.dsns().get(0).text());
        return ParsedReport.groups(report.parts.get(1).body());
    }
}
