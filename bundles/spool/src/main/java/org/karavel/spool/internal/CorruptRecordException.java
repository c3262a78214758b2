package org.karavel.spool.internal;

import java.io.IOException;

/** A stored record that cannot be turned back into a message; the reason goes to the quarantine log. */
final class CorruptRecordException extends IOException {
    private static final long serialVersionUID = 1L;

    CorruptRecordException(String reason) {
        super(reason);
    }
}
