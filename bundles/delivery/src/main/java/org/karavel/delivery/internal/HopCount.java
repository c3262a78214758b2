package org.karavel.delivery.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Counts the {@code Received:} fields of a message's header section, as Postfix's cleanup does for
 * {@code hopcount_limit}: a message that has passed through more MTAs than that is in a loop.
 */
final class HopCount {
    private HopCount() {}

    /** The number of Received: fields before the first empty line (or the end). */
    static int received(InputStream content) throws IOException {
        int count = 0;
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int c;
        while ((c = content.read()) != -1) {
            if (c != '\n') {
                // only the start of a line matters
                if (line.size() < 16) {
                    line.write(c);
                }
                continue;
            }
            String start = line.toString(StandardCharsets.US_ASCII);
            line.reset();
            if (start.isEmpty() || start.equals("\r")) {
                break;
            }
            if (start.regionMatches(true, 0, "Received:", 0, 9)) {
                count++;
            }
        }
        return count;
    }
}
