package org.karavel.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import org.karavel.testkit.Clamd;

/**
 * What the tests of the content scanners send: a message clamd refuses (an attachment its
 * one-signature database names) and one Rspamd refuses (GTUBE); and that clamd, started.
 */
final class ContentScanners {
    static final String SIGNATURE = "Karavel.Test.Attachment";
    static final byte[] ATTACHMENT =
            "karavel distribution test attachment, named by the test's signature\n".getBytes(StandardCharsets.US_ASCII);
    /** Rspamd refuses it with {@code 554 5.7.1 Gtube pattern}. */
    static final String GTUBE =
            "Subject: offer\r\n\r\n" + "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n";

    private ContentScanners() {}

    /** A clamd on a free port of 127.0.0.1 whose database knows only {@link #ATTACHMENT}, answering PING. */
    static Clamd clamd() throws IOException {
        Clamd clamd = Clamd.start(Files.createTempDirectory("karavel-clamd"), SIGNATURE, ATTACHMENT, "25M");
        try {
            Poll.until("clamd to answer PING", Duration.ofSeconds(60), clamd::answersPing, clamd::output);
        } catch (RuntimeException | Error e) {
            clamd.close();
            throw e;
        }
        return clamd;
    }

    /** A multipart message with {@link #ATTACHMENT} as its attachment. */
    static String infected() {
        return "Subject: the report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                + "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
                + "--b\r\nContent-Type: application/octet-stream; name=\"report.bin\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n"
                + Base64.getMimeEncoder().encodeToString(ATTACHMENT) + "\r\n--b--\r\n";
    }

    /** The reply that refuses {@link #infected()}. */
    static String virusFound(Clamd clamd) {
        return "554 5.7.1 Message rejected: virus found (" + clamd.reportedName() + ")";
    }
}
