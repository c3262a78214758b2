package org.karavel.api.queue;

import java.io.IOException;

/** The spool cannot take more mail now (disk or configured size limit): answer 452 4.3.1. */
public class SpoolFullException extends IOException {
    private static final long serialVersionUID = 1L;

    public SpoolFullException(String message) {
        super(message);
    }
}
