package org.karavel.clamav.internal;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.karavel.testkit.Clamd;

/** The testkit's real clamd with the test attachment's signature, started and answering PING. */
final class ClamdDaemon implements AutoCloseable {
    static final String SIGNATURE = "Karavel.Test.Attachment";
    /** The name clamd reports: its suffix marks a signature from a database it did not sign. */
    static final String REPORTED = SIGNATURE + ".UNOFFICIAL";

    private final Clamd clamd;

    private ClamdDaemon(Clamd clamd) {
        this.clamd = clamd;
    }

    /** Starts clamd with this StreamMaxLength (e.g. {@code 1M}) and waits until it answers PING. */
    static ClamdDaemon start(Path directory, byte[] infected, String streamMaxLength) throws IOException {
        Clamd clamd = Clamd.start(directory, SIGNATURE, infected, streamMaxLength);
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(clamd::answersPing);
        } catch (RuntimeException | Error e) {
            clamd.close();
            throw new AssertionError("clamd did not answer PING; its output:\n" + clamd.output(), e);
        }
        return new ClamdDaemon(clamd);
    }

    ClamdAddress tcp() {
        return ClamdAddress.parse("tcp:127.0.0.1:" + clamd.port());
    }

    ClamdAddress unix() {
        return ClamdAddress.parse("unix:" + clamd.socket());
    }

    /** Kills clamd and waits until it is gone. */
    @Override
    public void close() {
        clamd.close();
    }
}
