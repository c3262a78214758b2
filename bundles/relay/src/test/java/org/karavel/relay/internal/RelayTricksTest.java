package org.karavel.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;

/**
 * Every classic relay trick, the way the SMTP listener meets it: the RCPT TO path goes through
 * {@link MailAddress#parsePath} and, if that accepts it, through the relay filter, from an
 * untrusted client, from a relay host (IPv4 and IPv6 loopback) and from an authenticated client.
 */
class RelayTricksTest {
    /** The expected outcome: the parser refuses it, the filter has no opinion, refuses relaying, or refuses the form. */
    enum Outcome {
        PARSE_ERROR,
        ALLOWED,
        RELAY_DENIED,
        FORM_DENIED
    }

    private RelayComponent relay;

    static RelayConfig config(Map<String, Object> values) {
        return (RelayConfig) Proxy.newProxyInstance(
                RelayConfig.class.getClassLoader(),
                new Class<?>[] {RelayConfig.class},
                (proxy, method, args) ->
                        values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
    }

    @BeforeEach
    void activate() {
        relay = new RelayComponent();
        relay.activate(config(Map.of(
                "local__domains", new String[] {"localhost", "example.com"},
                "relay__domains", new String[] {"relay.example"},
                // these cases are about routing forms; which local users exist is LocalRecipientsTest's
                "local__recipients", "any")));
    }

    @ParameterizedTest(name = "{0}: untrusted {1}, relay host {2}, authenticated {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # plain addresses
            <user@localhost>                          | ALLOWED      | ALLOWED      | ALLOWED
            <USER@LocalHost>                          | ALLOWED      | ALLOWED      | ALLOWED
            <"user"@localhost>                        | ALLOWED      | ALLOWED      | ALLOWED
            <"first last"@example.com>                | ALLOWED      | ALLOWED      | ALLOWED
            <user@relay.example>                      | ALLOWED      | ALLOWED      | ALLOWED
            <user@other.example>                      | RELAY_DENIED | ALLOWED      | ALLOWED
            <user@sub.localhost>                      | RELAY_DENIED | ALLOWED      | ALLOWED
            <user@localhost.other.example>            | RELAY_DENIED | ALLOWED      | ALLOWED
            # address literals are remote, even our own address
            <user@[127.0.0.1]>                        | RELAY_DENIED | ALLOWED      | ALLOWED
            <user@[IPv6:::1]>                         | RELAY_DENIED | ALLOWED      | ALLOWED
            # percent hack, bang paths, @ in quoted local parts: refused from everyone
            <user%other.example@localhost>            | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <user%other.example@example.com>          | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <other.example!user@localhost>            | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <"user@other.example"@localhost>          | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <"user%other"@localhost>                  | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <"user!other"@localhost>                  | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <"other.example!user"@localhost>          | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <"user\\@other.example"@localhost>        | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <"user\\%other.example"@localhost>        | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <"@"@localhost>                           | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <user%other.example@relay.example>        | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <user%localhost@other.example>            | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <user!x@other.example>                    | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <"user@other.example"@[127.0.0.1]>        | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <user＠other.example@localhost>            | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <user﹪other.example@localhost>            | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            # source routes: the parser drops them, the final mailbox decides
            <@localhost:user@other.example>           | RELAY_DENIED | ALLOWED      | ALLOWED
            <@a,@b:user@other.example>                | RELAY_DENIED | ALLOWED      | ALLOWED
            <@localhost,@example.com:user@other.example> | RELAY_DENIED | ALLOWED    | ALLOWED
            <@other.example:user@localhost>           | ALLOWED      | ALLOWED      | ALLOWED
            <@localhost:user%other.example@localhost> | FORM_DENIED  | FORM_DENIED  | FORM_DENIED
            <@localhost:"user@other.example"@localhost> | FORM_DENIED | FORM_DENIED | FORM_DENIED
            # what the parser refuses outright
            <user@other.example@localhost>            | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <user@localhost@other.example>            | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <user@[127.0.0.1]@localhost>              | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <@a:@b:user@other.example>                | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <@a,b:user@other.example>                 | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <@a,,@b:user@other.example>               | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <@[127.0.0.1]:user@other.example>         | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <@localhost>                              | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <user@localhost:other.example>            | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <user@localhost%other.example>            | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <user@localhost!other.example>            | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <other.example:user@localhost>            | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <user\\@other.example@localhost>          | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <"user@other.example">                    | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <user>                                    | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <user@localhost.>                         | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <user@other.example >                     | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <user@other.example>x                     | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            user@other.example                        | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            <>                                        | PARSE_ERROR  | PARSE_ERROR  | PARSE_ERROR
            """)
    void trick(String path, Outcome untrusted, Outcome relayHost, Outcome authenticated) {
        check(path, untrusted, FilterSession.from("198.51.100.7"));
        check(path, relayHost, FilterSession.from("127.0.0.1"));
        check(path, relayHost, FilterSession.from("::1"));
        check(path, authenticated, FilterSession.from("198.51.100.7").user("alice"));
    }

    private void check(String path, Outcome expected, SessionView session) {
        String who = path + " from " + session.clientAddress()
                + (session.authenticatedUser().isPresent() ? " (authenticated)" : "");
        if (expected == Outcome.PARSE_ERROR) {
            assertThatThrownBy(() -> MailAddress.parsePath(path, false, true))
                    .as(who)
                    .isInstanceOf(AddressSyntaxException.class);
            return;
        }
        MailAddress recipient;
        try {
            recipient = MailAddress.parsePath(path, false, true);
        } catch (AddressSyntaxException e) {
            throw new AssertionError(who + ": the parser refused it: " + e.getMessage(), e);
        }
        Verdict v = relay.rcptTo(session, FilterEnvelope.from(MailAddress.NULL_SENDER), recipient)
                .toCompletableFuture()
                .orTimeout(5, TimeUnit.SECONDS)
                .join();
        switch (expected) {
            case ALLOWED -> assertThat(v.kind()).as(who).isEqualTo(Verdict.Kind.NO_OPINION);
            case RELAY_DENIED -> {
                assertThat(v.kind()).as(who).isEqualTo(Verdict.Kind.REJECT);
                assertThat(v.code()).as(who).isEqualTo(554);
                assertThat(v.enhancedCode()).as(who).isEqualTo("5.7.1");
                assertThat(v.text()).as(who).isEqualTo("<" + recipient + ">: Relay access denied");
            }
            case FORM_DENIED -> {
                assertThat(v.kind()).as(who).isEqualTo(Verdict.Kind.REJECT);
                assertThat(v.code()).as(who).isEqualTo(550);
                assertThat(v.enhancedCode()).as(who).isEqualTo("5.7.1");
                assertThat(v.text()).as(who).startsWith("<" + recipient + ">: Relay access denied");
            }
            default -> throw new IllegalStateException();
        }
    }
}
