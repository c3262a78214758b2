package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the SMTP command parser and session state machine. The session
 * runs in process ({@link InProcessSession}: no socket, no threads): with no filters and a spool
 * that commits at once, every step completes inline, so one input is one deterministic
 * conversation. Invariants: the session never hits its "internal error" path (an unexpected
 * exception), every reply is a well-formed SMTP reply line, and no message draft is left open.
 *
 * <p>Input: the first octet sets how many octets arrive per read (1 to 128), the rest is what
 * the client sends, then it shuts down its side. Seeds in SmtpSessionFuzzTestInputs/conversation.
 */
class SmtpSessionFuzzTest {
    private static final ListenerSettings SETTINGS = ListenerSettings.builder("mx.fuzz.example")
            .name("fuzz")
            .address("127.0.0.1")
            .port(0)
            .maxMessageSize(4096)
            .maxRecipients(5)
            .maxCommandLine(512)
            .maxDataLine(1000)
            .maxErrors(20)
            .build();

    @FuzzTest(maxDuration = "5m")
    void conversation(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int chunk = (input[0] & 0x7f) + 1;
        byte[] sent = new byte[input.length - 1];
        System.arraycopy(input, 1, sent, 0, sent.length);
        InProcessSession session = new InProcessSession(SETTINGS);
        session.send(sent, chunk).shutdownInput().close();

        String text = session.output();
        assertThat(text).as("an unexpected exception in the session").doesNotContain("internal error");
        assertThat(text).startsWith("220 ");
        assertThat(text).endsWith("\r\n");
        for (String line : text.split("\r\n")) {
            assertThat(line).as("reply line").matches("[2-5][0-9][0-9][ -].*");
            assertThat(line).doesNotContain("\r").doesNotContain("\n");
        }
        assertThat(session.spool().open())
                .as("drafts neither committed nor aborted")
                .isEmpty();
    }
}
