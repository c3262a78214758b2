package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.karavel.testkit.MemorySpool;

/** SMTP sequences that the listener test classes write the same way, so each is written once. */
final class SmtpTestDialogue {
    private SmtpTestDialogue() {}

    /** MAIL, RCPT, DATA, the content (already dot-stuffed, ending with CRLF) and the final dot: the last reply. */
    static String transaction(SmtpTestClient c, String from, String to, String content) {
        assertThat(c.command("MAIL FROM:<" + from + ">")).startsWith("250 2.1.0");
        assertThat(c.command("RCPT TO:<" + to + ">")).startsWith("250 2.1.5");
        assertThat(c.command("DATA")).startsWith("354 ");
        c.send(content + ".\r\n");
        return c.reply();
    }

    /** The stored content without the Received header Karavel put on top. */
    static String withoutReceived(String content) {
        assertThat(content).startsWith("Received: ");
        int i = content.indexOf("\r\n");
        while (i + 2 < content.length() && content.charAt(i + 2) == '\t') {
            i = content.indexOf("\r\n", i + 2);
        }
        return content.substring(i + 2);
    }

    /** After a test: closes its clients, stops its listener (null when the test stopped it) and the spool. */
    static void hangUp(List<SmtpTestClient> clients, SmtpListener listener, MemorySpool spool) {
        clients.forEach(SmtpTestClient::close);
        if (listener != null) {
            listener.stop();
        }
        spool.close();
    }
}
