package org.karavel.tls.internal;

import java.nio.file.Path;

/** A certificate or key file that cannot be used; the message names the file and why, never key material. */
final class CertificateProblem extends Exception {
    private static final long serialVersionUID = 1L;

    CertificateProblem(Path file, String reason) {
        super(file + ": " + reason);
    }
}
