/**
 * Greylisting, as the shell and the admin API see it: the {@link org.karavel.api.greylist.Greylist}
 * service lists triplets, lets an operator allow a triplet or a whole client network, and gives
 * figures. The {@code org.karavel.greylist} bundle publishes it.
 */
@Version("1.0.0")
@Export
package org.karavel.api.greylist;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
