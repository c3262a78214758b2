@Version("1.1.0")
@Export
package org.karavel.api.address;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
