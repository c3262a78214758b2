package org.karavel.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A slowloris: sends bytes to an SMTP server one at a time at a fixed pace, on its own thread, so
 * that the test thread can wait for the server's reply meanwhile. Stops at the end of the bytes, when
 * the connection fails, or when closed.
 */
public final class Trickle implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "trickle");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger sent = new AtomicInteger();

    public Trickle(SmtpClient client, byte[] bytes, Duration period) {
        timer.scheduleAtFixedRate(
                () -> {
                    int i = sent.get();
                    if (i >= bytes.length) {
                        timer.shutdown();
                        return;
                    }
                    try {
                        client.sendBytes(new byte[] {bytes[i]});
                        sent.incrementAndGet();
                    } catch (IOException e) {
                        timer.shutdown(); // the server closed the connection
                    }
                },
                0,
                period.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** How many bytes went out so far. */
    public int sent() {
        return sent.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
