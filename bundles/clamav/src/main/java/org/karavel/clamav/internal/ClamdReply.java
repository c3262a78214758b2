package org.karavel.clamav.internal;

import java.util.Objects;

/**
 * What clamd answered to one {@code zINSTREAM}: {@code stream: OK}, {@code stream: <name> FOUND},
 * {@code INSTREAM size limit exceeded. ERROR}, or anything else (an error or garbage).
 *
 * @param signature the signature's name for {@link Kind#FOUND}, else null
 * @param text the answer as received (NUL left out), for logs
 */
record ClamdReply(Kind kind, String signature, String text) {
    private static final String STREAM = "stream: ";
    private static final String FOUND = " FOUND";

    enum Kind {
        CLEAN,
        FOUND,
        /** More than clamd's StreamMaxLength: not scanned. */
        TOO_LARGE,
        /** An ERROR answer or one this client does not understand. */
        ERROR
    }

    ClamdReply {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
    }

    static ClamdReply parse(String answer) {
        String t = answer.strip();
        if (t.equals(STREAM + "OK")) {
            return new ClamdReply(Kind.CLEAN, null, t);
        }
        if (t.startsWith(STREAM) && t.endsWith(FOUND)) {
            String name =
                    t.substring(STREAM.length(), t.length() - FOUND.length()).strip();
            if (!name.isEmpty()) {
                return new ClamdReply(Kind.FOUND, name, t);
            }
        }
        if (t.endsWith("ERROR") && t.contains("size limit exceeded")) {
            return new ClamdReply(Kind.TOO_LARGE, null, t);
        }
        return new ClamdReply(Kind.ERROR, null, t);
    }
}
