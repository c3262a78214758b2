/** Readiness of the server's parts, for {@code GET /health} and the systemd unit's checks. */
@Version("1.0.0")
@Export
package org.karavel.api.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
