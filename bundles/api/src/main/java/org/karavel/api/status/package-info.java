/**
 * Status checks of the whole setup, as Mail-in-a-Box's status page makes them: each bundle that
 * knows a part publishes {@link org.karavel.api.status.StatusCheck} services (whiteboard); the
 * status bundle runs them all, on demand and daily, and publishes {@link
 * org.karavel.api.status.StatusChecks} for the shell, the admin API and the console. A finding says
 * what was found and how to fix it, for the server or one domain.
 */
@Version("1.0.0")
@Export
package org.karavel.api.status;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
