package org.karavel.preflight.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of PID {@code org.karavel.preflight}; a double underscore in a method name is one underscore in the key. */
@ObjectClassDefinition(
        id = "org.karavel.preflight",
        name = "Karavel preflight",
        description = "Start-up checks of the host: directory permissions and the service user")
public @interface PreflightConfig {
    @AttributeDefinition(name = "Enabled", description = "Whether the checks run when the bundle starts")
    boolean enabled() default true;

    @AttributeDefinition(
            name = "DKIM directory",
            description = "Where the DKIM private keys are; empty means ${karaf.etc}/dkim",
            required = false)
    String dkim__directory() default DirectoryLocations.DEFAULT_DKIM_DIRECTORY;
}
