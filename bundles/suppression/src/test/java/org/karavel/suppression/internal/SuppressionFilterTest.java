package org.karavel.suppression.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.events.MessageEvent;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.Verdict;
import org.karavel.api.metrics.Metric;
import org.karavel.api.suppression.Suppression;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;
import org.karavel.testkit.InMemorySuppressionList;

/** The component as the SMTP listener and delivery see it: RCPT verdicts, bounces, events, metrics. */
class SuppressionFilterTest {
    @TempDir
    Path dir;

    private SuppressionComponent component;
    private final List<MessageEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void activate() throws Exception {
        component = new SuppressionComponent(SuppressionSettingsTest.config(
                Map.of("store__directory", dir.toString(), "applies__to__users", new String[] {"app@example.org"})));
        component.events = events::add;
        component.add(new Suppression(
                "gone@remote.example",
                "550 5.1.1 <gone@remote.example>: user unknown",
                "invalid_recipient",
                Instant.now(),
                null,
                "3F2A9C1B7D"));
    }

    @AfterEach
    void deactivate() {
        component.deactivate();
    }

    private Verdict rcpt(SessionView session, String recipient) throws Exception {
        return component
                .rcptTo(session, FilterEnvelope.from("app@example.org"), MailAddress.parse(recipient))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRelayHostApplicationOnMxIsRefusedForASuppressedAddress() throws Exception {
        Verdict v = rcpt(FilterSession.from("127.0.0.1").listener("mx").relayClient(), "Gone@Remote.example");
        assertThat(v.kind()).isEqualTo(Verdict.Kind.REJECT);
        assertThat(v.code()).isEqualTo(550);
        assertThat(v.enhancedCode()).isEqualTo("5.1.1");
        assertThat(v.text())
                .isEqualTo("<Gone@Remote.example>: Recipient address rejected "
                        + "(suppressed: 550 5.1.1 <gone@remote.example>: user unknown)");
        assertThat(rcpt(FilterSession.from("127.0.0.1").listener("mx").relayClient(), "alive@remote.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(component.refusals()).isEqualTo(1);
        assertThat(component.metrics())
                .extracting(Metric::name)
                .contains("karavel_suppression_refusals_total", "karavel_suppression_entries");
    }

    @Test
    void theRefusalIsPublishedAsASuppressedEventWithoutQueueId() throws Exception {
        rcpt(FilterSession.from("127.0.0.1").listener("mx").relayClient(), "gone@remote.example");
        assertThat(events).hasSize(1);
        MessageEvent e = events.get(0);
        assertThat(e.type()).isEqualTo(MessageEvent.Type.SUPPRESSED);
        assertThat(e.queueId()).isEmpty();
        assertThat(e.sender()).isEqualTo("app@example.org");
        assertThat(e.recipients()).containsExactly("gone@remote.example");
        assertThat(e.listener()).isEqualTo("mx");
        assertThat(e.clientAddress()).isEqualTo("127.0.0.1");
        assertThat(e.category()).isEqualTo("invalid_recipient");
        assertThat(e.reply()).startsWith("550 5.1.1 <gone@remote.example>: Recipient address rejected");
    }

    @Test
    void peopleAndInternetClientsAreNotRefused() throws Exception {
        // an Internet client on mx: not a relay host, not authenticated
        assertThat(rcpt(FilterSession.from("192.0.2.7").listener("mx"), "gone@remote.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        // a person on submission
        assertThat(rcpt(
                                FilterSession.from("192.0.2.8")
                                        .listener("submission")
                                        .user("alice@example.org"),
                                "gone@remote.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        // an application account on submission is listed in applies_to_users
        assertThat(rcpt(
                                FilterSession.from("192.0.2.9")
                                        .listener("submission")
                                        .user("App@Example.org"),
                                "gone@remote.example")
                        .kind())
                .isEqualTo(Verdict.Kind.REJECT);
        assertThat(events).hasSize(1);
    }

    @Test
    void enabledFalseRefusesNothingButKeepsTheList() throws Exception {
        component.modified(
                SuppressionSettingsTest.config(Map.of("store__directory", dir.toString(), "enabled", false)));
        assertThat(rcpt(FilterSession.from("127.0.0.1").listener("mx").relayClient(), "gone@remote.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(component.find("gone@remote.example")).isPresent();
    }

    @Test
    void aFailingListLetsTheRecipientThrough() throws Exception {
        SuppressionDatabase closed = new SuppressionDatabase(
                MapDbSuppressionStore.open(dir.resolve("other")),
                SuppressionSettings.defaults(dir.resolve("other")),
                Clock.systemUTC());
        closed.close();
        SuppressionCounters counters = new SuppressionCounters();
        SuppressionFilter filter = new SuppressionFilter(
                SuppressionSettings.defaults(dir), closed, counters, () -> null, Clock.systemUTC());
        Verdict v = filter.rcptTo(
                        FilterSession.from("127.0.0.1").listener("mx").relayClient(),
                        FilterEnvelope.from("app@example.org"),
                        MailAddress.parse("gone@remote.example"))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(counters.metrics(() -> 0))
                .filteredOn(m -> m.name().equals("karavel_suppression_lookup_failures_total"))
                .extracting(m -> m.samples().get(0).value())
                .containsExactly(1.0);
    }

    @Test
    void aBounceOfAConfiguredCategoryMakesTheNextRcptFail() throws Exception {
        component
                .permanentFailure("new@remote.example", "bad_domain", "550 5.1.2 no such domain", "ABCDEF1234")
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        Verdict v = rcpt(FilterSession.from("::1").listener("mx").relayClient(), "new@remote.example");
        assertThat(v.text()).endsWith("(suppressed: 550 5.1.2 no such domain)");
        assertThat(component.remove("new@remote.example")).isTrue();
        assertThat(rcpt(FilterSession.from("::1").listener("mx").relayClient(), "new@remote.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
    }

    @Test
    void aSharedListWhenPublishedIsWhatRcptAsks() throws Exception {
        InMemorySuppressionList fleet = new InMemorySuppressionList();
        fleet.add(Suppression.manual("elsewhere@remote.example", "made on another node", Instant.now(), null, "admin"));
        SessionView relay = FilterSession.from("127.0.0.1").listener("mx").relayClient();
        assertThat(rcpt(relay, "elsewhere@remote.example").kind()).isEqualTo(Verdict.Kind.NO_OPINION);

        component.shared = fleet;
        assertThat(rcpt(relay, "elsewhere@remote.example").text()).endsWith("(suppressed: made on another node)");
        assertThat(rcpt(relay, "gone@remote.example").kind())
                .as("only the shared list is asked while it is there")
                .isEqualTo(Verdict.Kind.NO_OPINION);

        component.shared = null;
        assertThat(rcpt(relay, "gone@remote.example").kind()).isEqualTo(Verdict.Kind.REJECT);
    }
}
