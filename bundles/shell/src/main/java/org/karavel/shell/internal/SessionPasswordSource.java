package org.karavel.shell.internal;

import java.io.IOException;
import org.apache.karaf.shell.api.console.Session;

/** Passwords typed at the Karaf console: echoed as '*', asked twice. */
final class SessionPasswordSource implements PasswordSource {
    private final Session session;

    SessionPasswordSource(Session session) {
        this.session = session;
    }

    /** The terminal, or standard input when {@code stdin} is set (for scripts). */
    static PasswordSource of(Session session, boolean stdin) {
        return stdin || session == null ? PasswordSource.firstLineOf(System.in) : new SessionPasswordSource(session);
    }

    @Override
    public char[] read(String prompt) throws IOException {
        // Karaf's API hands back a String; it is dropped at once and never logged
        String line = session.readLine(prompt, '*');
        return line == null ? null : line.toCharArray();
    }

    @Override
    public boolean interactive() {
        return true;
    }
}
