package org.karavel.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.api.recipient.Expansion;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;

class RelayComponentTest {
    private static Verdict rcpt(RelayComponent relay, String address, FilterSession session) throws Exception {
        return relay.rcptTo(session, FilterEnvelope.from(MailAddress.NULL_SENDER), MailAddress.parse(address))
                .toCompletableFuture()
                .join();
    }

    @Test
    void relayHostsAreMarkedAtConnectForTheSpamFilters() {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(Map.of("relay__hosts", new String[] {"127.0.0.1/32, 192.0.2.0/24"})));
        FilterSession own = FilterSession.from("192.0.2.7");
        FilterSession other = FilterSession.from("127.0.0.2");
        assertThat(relay.connect(own).toCompletableFuture().join().kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(relay.connect(other).toCompletableFuture().join().kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(own.attributes()).containsEntry(org.karavel.api.filter.SessionView.RELAY_CLIENT, Boolean.TRUE);
        assertThat(other.attributes()).doesNotContainKey(org.karavel.api.filter.SessionView.RELAY_CLIENT);
    }

    @Test
    void theRelayHostsServiceAnswersForTheListenersLimits() throws Exception {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(Map.of("relay__hosts", new String[] {"127.0.0.1/32, 2001:db8::/64"})));
        org.karavel.api.net.RelayHosts hosts = relay;
        assertThat(hosts.isRelayHost(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(hosts.isRelayHost(InetAddress.getByName("2001:db8::99"))).isTrue();
        assertThat(hosts.isRelayHost(InetAddress.getByName("127.0.0.2"))).isFalse();
        assertThat(hosts.isRelayHost(null)).isFalse();
    }

    @Test
    void aRelayHostWhoseConnectThisFilterMissedIsMarkedAtRcpt() throws Exception {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(Map.of("relay__hosts", new String[] {"127.0.0.1/32"})));
        FilterSession own = FilterSession.from("127.0.0.1"); // connected while the relay bundle was being updated
        FilterSession other = FilterSession.from("127.0.0.2");

        assertThat(rcpt(relay, "user@localhost", own).kind()).isNotEqualTo(Verdict.Kind.REJECT);
        assertThat(rcpt(relay, "user@localhost", other).kind()).isNotEqualTo(Verdict.Kind.REJECT);

        assertThat(own.attributes()).containsEntry(org.karavel.api.filter.SessionView.RELAY_CLIENT, Boolean.TRUE);
        assertThat(other.attributes()).doesNotContainKey(org.karavel.api.filter.SessionView.RELAY_CLIENT);
    }

    @Test
    void defaultsAcceptLocalhostAndRelayOnlyFromLoopback() throws Exception {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(Map.of()));

        assertThat(relay.localDomains()).containsExactly("localhost");
        assertThat(relay.isLocal("LOCALHOST.")).isTrue();
        assertThat(relay.isRelayDomain("localhost")).isFalse();
        // local_recipients = users by default: without the user store nobody local is accepted, only deferred
        Verdict noUserStore = rcpt(relay, "a@localhost", FilterSession.from("203.0.113.5"));
        assertThat(noUserStore.kind()).isEqualTo(Verdict.Kind.DEFER);
        assertThat(noUserStore.code() + " " + noUserStore.enhancedCode() + " " + noUserStore.text())
                .isEqualTo("451 4.3.0 <a@localhost>: Temporary lookup failure");
        relay.bindExpansion(Expansion::user);
        assertThat(rcpt(relay, "a@localhost", FilterSession.from("203.0.113.5")).kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(relay, "a@remote.example", FilterSession.from("127.0.0.1"))
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(relay, "a@remote.example", FilterSession.from("::1")).kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(relay, "a@remote.example", FilterSession.from("203.0.113.5"))
                        .kind())
                .isEqualTo(Verdict.Kind.REJECT);
        assertThat(rcpt(relay, "a@remote.example", FilterSession.from("::2")).kind())
                .isEqualTo(Verdict.Kind.REJECT);
    }

    @Test
    void aConfigurationChangeTakesEffectAtOnce() throws Exception {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(Map.of()));
        relay.bindExpansion(Expansion::user);
        FilterSession office = FilterSession.from("192.0.2.10");
        assertThat(rcpt(relay, "a@remote.example", office).kind()).isEqualTo(Verdict.Kind.REJECT);
        assertThat(rcpt(relay, "a@example.com", office).kind()).isEqualTo(Verdict.Kind.REJECT);

        relay.modified(RelayTricksTest.config(Map.of(
                "local__domains", new String[] {"example.com"},
                "relay__hosts", new String[] {"192.0.2.0/24"})));

        assertThat(rcpt(relay, "a@remote.example", office).kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(relay, "a@example.com", FilterSession.from("203.0.113.5"))
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(relay.isLocal("localhost")).isFalse();
        assertThat(rcpt(relay, "a@remote.example", FilterSession.from("127.0.0.1"))
                        .kind())
                .as("loopback is no longer listed")
                .isEqualTo(Verdict.Kind.REJECT);
    }

    @Test
    void emptyAuthenticatedUserIsNotAuthenticated() throws Exception {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(Map.of()));

        assertThat(rcpt(
                                relay,
                                "a@remote.example",
                                FilterSession.from("203.0.113.5").user(""))
                        .kind())
                .isEqualTo(Verdict.Kind.REJECT);
        assertThat(rcpt(
                                relay,
                                "a@remote.example",
                                FilterSession.from("203.0.113.5").user("bob"))
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
    }

    @Test
    void unresolvedClientAddressIsNoRelayHost() throws Exception {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(Map.of()));
        FilterSession unresolved = FilterSession.from(InetSocketAddress.createUnresolved("127.0.0.1", 1));

        assertThat(rcpt(relay, "a@remote.example", unresolved).kind()).isEqualTo(Verdict.Kind.REJECT);
    }

    @Test
    void otherStagesHaveNoOpinion() throws Exception {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(Map.of()));
        FilterSession s = FilterSession.from("203.0.113.5");

        assertThat(relay.connect(s).toCompletableFuture().join().kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(relay.mailFrom(
                                s, FilterEnvelope.from(MailAddress.NULL_SENDER), MailAddress.parse("x@remote.example"))
                        .toCompletableFuture()
                        .join()
                        .kind())
                .as("the sender does not matter for relaying")
                .isEqualTo(Verdict.Kind.NO_OPINION);
    }
}
