/**
 * SMTP AUTH backend: checking a user's password and which sender addresses a user may use
 * ({@link org.karavel.api.auth.MailboxUsers}), and managing the user list
 * ({@link org.karavel.api.auth.MailboxUserAdmin}).
 */
@Version("1.2.0")
@Export
package org.karavel.api.auth;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
