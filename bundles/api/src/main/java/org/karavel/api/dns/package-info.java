@Version("1.2.0")
@Export
package org.karavel.api.dns;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
