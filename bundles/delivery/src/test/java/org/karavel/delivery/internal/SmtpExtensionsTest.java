package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;

/**
 * What the client does with the server's EHLO: PIPELINING, SIZE, 8BITMIME, SMTPUTF8, HELO fallback.
 * Uses a scripted server, since the testkit's sink always offers every extension.
 */
class SmtpExtensionsTest {
    private DeliveryFixture f;
    private ScriptedSmtpServer server;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        f.mx("example.test", 10, "mx1.example.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void smtpUtf8NeededButNotOfferedBounces() throws Exception {
        server = new ScriptedSmtpServer(true, "PIPELINING", "8BITMIME");
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("jürgen@example.test"), DeliveryFixture.message("utf8", "x\r\n"));
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        assertThat(server.commands()).noneMatch(c -> c.startsWith("MAIL"));
        assertThat(f.dsns()).hasSize(1);
        ParsedReport report = ParsedReport.parse(f.dsns().get(0).text());
        assertThat(report.parts.get(1).contentType()).isEqualTo("message/global-delivery-status");
        Map<String, String> g = ParsedReport.groups(report.parts.get(1).body()).get(1);
        assertThat(g).containsEntry("status", "5.6.7").containsEntry("final-recipient", "utf-8; jürgen@example.test");
    }

    @Test
    void theSmtpUtf8ParameterAloneAlsoNeedsTheExtension() throws Exception {
        server = new ScriptedSmtpServer(true, "PIPELINING");
        QueuedMessage m = f.spool.queue(
                DeliveryFixture.envelope(
                        "sender@sender.test", List.of("a@example.test"), Instant.now(), Map.of("SMTPUTF8", "")),
                DeliveryFixture.message("param", "x\r\n"));
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        assertThat(f.dsns()).hasSize(1);
        assertThat(f.dsns().get(0).text()).contains("Status: 5.6.7");
    }

    @Test
    void smtpUtf8SizeAndBodyAreSentWhenOffered() throws Exception {
        server = new ScriptedSmtpServer(true, "PIPELINING", "SIZE 1000000", "8BITMIME", "SMTPUTF8");
        String content = DeliveryFixture.message("params", "grüße\r\n");
        QueuedMessage m = f.spool.queue(
                DeliveryFixture.envelope(
                        "sender@sender.test",
                        List.of("jürgen@example.test"),
                        Instant.now(),
                        Map.of("BODY", "8BITMIME")),
                content);
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        assertThat(server.commands())
                .contains(
                        "MAIL FROM:<sender@sender.test> SIZE=" + m.size() + " BODY=8BITMIME SMTPUTF8",
                        "RCPT TO:<jürgen@example.test>");
        assertThat(server.messages()).hasSize(1);
        assertThat(server.messages().get(0)).isEqualTo(content.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aMessageLargerThanTheServersSizeBouncesWithoutBeingSent() throws Exception {
        server = new ScriptedSmtpServer(true, "PIPELINING", "SIZE 100");
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("a@example.test"),
                DeliveryFixture.message("big", "x".repeat(500) + "\r\n"));
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        assertThat(server.commands()).noneMatch(c -> c.startsWith("MAIL"));
        assertThat(f.dsns()).hasSize(1);
        assertThat(f.dsns().get(0).text()).contains("Status: 5.3.4");
    }

    @Test
    void withoutPipeliningCommandsGoOneByOne() throws Exception {
        server = new ScriptedSmtpServer(true);
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("a@example.test", "b@example.test"),
                DeliveryFixture.message("serial", "x\r\n"));
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        assertThat(server.messages()).hasSize(1);
        assertThat(server.commands())
                .containsSubsequence(
                        "EHLO karavel.test",
                        "MAIL FROM:<sender@sender.test>",
                        "RCPT TO:<a@example.test>",
                        "RCPT TO:<b@example.test>",
                        "DATA");
        assertThat(server.commands())
                .noneMatch(c -> c.contains("SIZE=") || c.contains("BODY=") || c.contains("STARTTLS"));
    }

    @Test
    void anIdleConnectionIsClosedWithQuitAfterTheIdleTime() throws Exception {
        server = new ScriptedSmtpServer(true, "PIPELINING");
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("idle", "x\r\n"));
        f.start(f.settings(server.port()).connectionIdle(Duration.ofSeconds(1)).build());

        f.awaitRemoved(m.id());
        long removedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.commands().contains("QUIT"));
        assertThat(Duration.ofNanos(System.nanoTime() - removedAt)).isGreaterThan(Duration.ofMillis(500));
        await().atMost(Duration.ofSeconds(5)).until(() -> f.scheduler.connections() == 0);
        assertThat(server.commands()).endsWith("QUIT");
    }

    @Test
    void aServerThatRefusesEhloGetsHelo() throws Exception {
        server = new ScriptedSmtpServer(false);
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("helo", "x\r\n"));
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        assertThat(server.commands())
                .containsSubsequence("EHLO karavel.test", "HELO karavel.test", "MAIL FROM:<sender@sender.test>");
        assertThat(server.messages()).hasSize(1);
    }
}
