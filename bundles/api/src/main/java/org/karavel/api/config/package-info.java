/**
 * Configuration helpers shared by the bundles' settings parsers: how a list-valued property is
 * read from Config Admin.
 */
@Version("1.0.0")
@Export
package org.karavel.api.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
