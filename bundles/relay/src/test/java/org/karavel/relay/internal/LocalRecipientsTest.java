package org.karavel.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.api.recipient.Expansion;
import org.karavel.api.recipient.RecipientExpansion;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;

/** local_recipients at RCPT, through the relay filter as the SMTP listener asks it. */
class LocalRecipientsTest {
    /** alice and bob are users; sales is an alias; loop@ loops; everything else is unknown. */
    private static final RecipientExpansion STORE = r -> {
        String local = r.localPart().toLowerCase();
        String base = local.contains("+") ? local.substring(0, local.indexOf('+')) : local;
        if (Set.of("alice", "bob").contains(base)) {
            return Expansion.user(r);
        }
        if (base.equals("sales")) {
            return Expansion.alias(List.of(address("alice@example.com"), address("partner@remote.example")));
        }
        if (base.equals("loop")) {
            return Expansion.failed(
                    "etc/karavel.aliases: alias loop loop@example.com -> x@example.com -> loop@example.com");
        }
        return Expansion.unknown(r);
    };

    private static MailAddress address(String a) {
        try {
            return MailAddress.parse(a);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static RelayComponent relay(String mode) {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(
                mode == null
                        ? Map.of("local__domains", new String[] {"example.com"})
                        : Map.of("local__domains", new String[] {"example.com"}, "local__recipients", mode)));
        relay.bindExpansion(STORE);
        return relay;
    }

    private static String rcpt(RelayComponent relay, String address, String client) {
        Verdict v = relay.rcptTo(
                        FilterSession.from(client), FilterEnvelope.from(MailAddress.NULL_SENDER), address(address))
                .toCompletableFuture()
                .join();
        return v.kind() == Verdict.Kind.NO_OPINION ? "ok" : v.code() + " " + v.enhancedCode() + " " + v.text();
    }

    @Test
    void byDefaultOnlyUsersAndAliasesAreAccepted() {
        RelayComponent relay = relay(null);
        assertThat(rcpt(relay, "alice@example.com", "203.0.113.5")).isEqualTo("ok");
        assertThat(rcpt(relay, "Alice+news@EXAMPLE.com", "203.0.113.5")).isEqualTo("ok");
        assertThat(rcpt(relay, "sales@example.com", "203.0.113.5")).isEqualTo("ok");
        assertThat(rcpt(relay, "nobody-xyz@example.com", "203.0.113.5"))
                .isEqualTo(
                        "550 5.1.1 <nobody-xyz@example.com>: Recipient address rejected: User unknown in local recipient table");
        // relay hosts and authenticated users get the same answer: a local bounce would follow otherwise
        assertThat(rcpt(relay, "nobody-xyz@example.com", "127.0.0.1")).startsWith("550 5.1.1");
        // postmaster must always be accepted (RFC 5321 §4.5.1)
        assertThat(rcpt(relay, "Postmaster@example.com", "203.0.113.5")).isEqualTo("ok");
        // other domains are the relay policy's business
        assertThat(rcpt(relay, "nobody@remote.example", "127.0.0.1")).isEqualTo("ok");
        assertThat(rcpt(relay, "nobody@remote.example", "203.0.113.5")).startsWith("554 5.7.1");
    }

    @Test
    void aLoopingAliasIsDeferredAndNamed() {
        assertThat(rcpt(relay("users"), "loop@example.com", "203.0.113.5"))
                .isEqualTo("451 4.6.0 <loop@example.com>: Alias expansion error");
    }

    @Test
    void withoutTheUserStoreLocalMailWaits() {
        RelayComponent relay = relay("users");
        relay.unbindExpansion(STORE);
        assertThat(rcpt(relay, "alice@example.com", "203.0.113.5"))
                .isEqualTo("451 4.3.0 <alice@example.com>: Temporary lookup failure");
        assertThat(rcpt(relay, "postmaster@example.com", "203.0.113.5")).isEqualTo("ok");
    }

    @Test
    void anyAcceptsEveryLocalPartAndATypoMeansUsers() {
        assertThat(rcpt(relay("any"), "nobody-xyz@example.com", "203.0.113.5")).isEqualTo("ok");
        assertThat(rcpt(relay("ANY"), "nobody-xyz@example.com", "203.0.113.5")).isEqualTo("ok");
        assertThat(rcpt(relay("everyone"), "nobody-xyz@example.com", "203.0.113.5"))
                .startsWith("550 5.1.1");
    }
}
