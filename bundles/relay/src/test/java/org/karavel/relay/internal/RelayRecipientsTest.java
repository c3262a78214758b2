package org.karavel.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;

/** relay_recipients_file (Postfix relay_recipient_maps) through the relay filter. */
class RelayRecipientsTest {
    @TempDir
    Path dir;

    private static String rcpt(RelayComponent relay, String address, String client) throws Exception {
        Verdict v = relay.rcptTo(
                        FilterSession.from(client),
                        FilterEnvelope.from(MailAddress.NULL_SENDER),
                        MailAddress.parse(address))
                .toCompletableFuture()
                .join();
        return v.kind() == Verdict.Kind.NO_OPINION ? "ok" : v.code() + " " + v.enhancedCode() + " " + v.text();
    }

    private RelayComponent relay(String file) {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(Map.of(
                "relay__domains", new String[] {"exchange.example, backup.example"}, "relay__recipients__file", file)));
        return relay;
    }

    @Test
    void offByDefault() throws Exception {
        RelayComponent relay = new RelayComponent();
        relay.activate(RelayTricksTest.config(Map.of("relay__domains", new String[] {"exchange.example"})));
        assertThat(rcpt(relay, "anyone@exchange.example", "203.0.113.5")).isEqualTo("ok");
        relay.deactivate();
    }

    @Test
    void onlyListedRecipientsOfRelayDomainsAreAccepted() throws Exception {
        Path list = dir.resolve("relay_recipients");
        Files.write(
                list,
                List.of(
                        "# exported from Exchange",
                        "Alice@Exchange.example OK",
                        "bob@exchange.example",
                        "@backup.example",
                        "not an address line",
                        "carol@"));
        RelayComponent relay = relay(list.toString());
        try {
            assertThat(rcpt(relay, "alice@exchange.example", "203.0.113.5")).isEqualTo("ok");
            assertThat(rcpt(relay, "ALICE+tag@exchange.EXAMPLE", "203.0.113.5")).isEqualTo("ok");
            assertThat(rcpt(relay, "anyone@backup.example", "203.0.113.5")).isEqualTo("ok");
            assertThat(rcpt(relay, "mallory@exchange.example", "203.0.113.5"))
                    .isEqualTo(
                            "550 5.1.1 <mallory@exchange.example>: Recipient address rejected: User unknown in relay recipient table");
            // relay hosts too: the inner server would bounce it otherwise
            assertThat(rcpt(relay, "mallory@exchange.example", "127.0.0.1")).startsWith("550 5.1.1");
            // other domains are not this list's business
            assertThat(rcpt(relay, "someone@elsewhere.example", "127.0.0.1")).isEqualTo("ok");

            Files.write(list, List.of("mallory@exchange.example", "# bob left"));
            Files.setLastModifiedTime(list, FileTime.fromMillis(System.currentTimeMillis() + 5000));
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> rcpt(relay, "mallory@exchange.example", "203.0.113.5")
                            .equals("ok"));
            assertThat(rcpt(relay, "bob@exchange.example", "203.0.113.5")).startsWith("550 5.1.1");
        } finally {
            relay.deactivate();
        }
    }

    @Test
    void aMissingFileDefersRatherThanAcceptingOrRefusing() throws Exception {
        RelayComponent relay = relay(dir.resolve("absent").toString());
        try {
            assertThat(rcpt(relay, "alice@exchange.example", "203.0.113.5"))
                    .isEqualTo("451 4.3.0 <alice@exchange.example>: Temporary lookup failure");
        } finally {
            relay.deactivate();
        }
    }

    @Test
    void aRelativePathIsInKarafsEtc() throws Exception {
        Files.write(dir.resolve("relay_recipients"), List.of("alice@exchange.example"));
        String before = System.getProperty("karaf.etc");
        System.setProperty("karaf.etc", dir.toString());
        try {
            RelayComponent relay = relay("relay_recipients");
            assertThat(rcpt(relay, "alice@exchange.example", "203.0.113.5")).isEqualTo("ok");
            relay.deactivate();
        } finally {
            if (before == null) {
                System.clearProperty("karaf.etc");
            } else {
                System.setProperty("karaf.etc", before);
            }
        }
    }
}
