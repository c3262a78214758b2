/**
 * The mail log's vocabulary: {@link org.karavel.api.maillog.MailLogLine} formats every line of the
 * logger {@code karavel.mail} (received, reject, delivered, deferred, bounced, removed, quarantined,
 * dsn, tlsrpt, unrecorded), so that log parsers meet one wording whichever bundle wrote it. It
 * formats and never logs: each bundle writes the lines to its own {@code karavel.mail} logger.
 */
@Version("1.1.0")
@Export
package org.karavel.api.maillog;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
