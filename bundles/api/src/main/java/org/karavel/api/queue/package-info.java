@Version("1.7.0")
@Export
package org.karavel.api.queue;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
