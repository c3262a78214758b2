package org.karavel.shell.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where a new password comes from: the terminal (no echo, asked twice) or one line of standard
 * input (for scripts). Never a command argument, so that it stays out of the shell history.
 */
public interface PasswordSource {
    /** Reads one password; null at end of input. The caller zeroes the result. */
    char[] read(String prompt) throws IOException;

    /** Whether a person is typing, so the password is asked twice to catch typos. */
    boolean interactive();

    /** One line of the stream (up to LF, a CR before it dropped), read without making a String of it. */
    static PasswordSource firstLineOf(InputStream in) {
        return new PasswordSource() {
            @Override
            public char[] read(String prompt) throws IOException {
                Reader r = new InputStreamReader(in, StandardCharsets.UTF_8);
                char[] buf = new char[64];
                int n = 0;
                int c;
                while ((c = r.read()) >= 0 && c != '\n') {
                    if (n == buf.length) {
                        char[] bigger = Arrays.copyOf(buf, n * 2);
                        Arrays.fill(buf, '\0');
                        buf = bigger;
                    }
                    buf[n++] = (char) c;
                }
                if (c < 0 && n == 0) {
                    return null;
                }
                if (n > 0 && buf[n - 1] == '\r') {
                    n--;
                }
                char[] out = Arrays.copyOf(buf, n);
                Arrays.fill(buf, '\0');
                return out;
            }

            @Override
            public boolean interactive() {
                return false;
            }
        };
    }
}
