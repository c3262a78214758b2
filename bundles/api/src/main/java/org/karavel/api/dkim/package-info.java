/** DKIM signing of outbound mail: the {@link org.karavel.api.dkim.OutboundSigner} that delivery calls, and the {@link org.karavel.api.dkim.DkimKeys} it signs with. */
@Version("1.1.0")
@Export
package org.karavel.api.dkim;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
