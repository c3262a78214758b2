package org.karavel.api.status;

import java.util.Objects;

/**
 * One line of a status report.
 *
 * @param check the check that found it, e.g. {@code dns.mx}
 * @param subject what it is about: {@link #SERVER} or a domain
 * @param level ok, warning or error
 * @param found one line saying what was found
 * @param fix one line saying how to fix it; empty when the level is ok
 */
public record Finding(String check, String subject, Level level, String found, String fix) {
    /** The subject of findings about the server rather than one domain. */
    public static final String SERVER = "server";

    /** How bad a finding is. */
    public enum Level {
        OK,
        WARNING,
        ERROR
    }

    public Finding {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(level, "level");
        subject = subject == null || subject.isEmpty() ? SERVER : subject;
        found = found == null ? "" : found.replaceAll("[\\r\\n]+", " ");
        fix = fix == null ? "" : fix.replaceAll("[\\r\\n]+", " ");
    }

    public static Finding ok(String check, String subject, String found) {
        return new Finding(check, subject, Level.OK, found, "");
    }

    public static Finding warning(String check, String subject, String found, String fix) {
        return new Finding(check, subject, Level.WARNING, found, fix);
    }

    public static Finding error(String check, String subject, String found, String fix) {
        return new Finding(check, subject, Level.ERROR, found, fix);
    }

    /** The key that says two reports found the same thing about the same subject (for change mails). */
    public String key() {
        return check + " " + subject;
    }
}
