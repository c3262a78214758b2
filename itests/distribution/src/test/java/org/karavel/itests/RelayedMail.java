package org.karavel.itests;

import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.util.List;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;

/** Mail that a test hands to the distribution's MX listener for delivery to a sink, and finds there. */
final class RelayedMail {
    private RelayedMail() {}

    /** Sends one message from app@localhost to the recipient; the listener must queue it (250 2.0.0). */
    static void queue(int smtpPort, String recipient, String message) throws IOException {
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            String reply = c.sendMail("app@localhost", List.of(recipient), message);
            assertTrue(reply, reply.startsWith("250 2.0.0"));
        }
    }

    /** The position at the sink of the first message for the recipient, or -1 while none arrived. */
    static int indexAtSink(SmtpSink sink, String recipient) {
        List<SmtpSink.ReceivedMail> messages = sink.messages();
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).recipients().contains(recipient)) {
                return i;
            }
        }
        return -1;
    }
}
