/** IP networks as operators write them in configuration (relay_hosts, pass lists), the relay hosts as a service, and this machine's own name. */
@Version("1.2.0")
@Export
package org.karavel.api.net;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
