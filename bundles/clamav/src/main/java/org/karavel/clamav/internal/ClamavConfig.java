package org.karavel.clamav.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Configuration of PID {@code org.karavel.clamav}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping): {@code max__size} is {@code max_size}.
 */
@ObjectClassDefinition(
        id = "org.karavel.clamav",
        name = "Karavel ClamAV",
        description = "Virus scanning of each message by clamd at end of data")
public @interface ClamavConfig {
    @AttributeDefinition(
            name = "clamd address",
            description = "Where clamd listens: unix:/path/to/socket (clamd.conf LocalSocket) or tcp:host:port "
                    + "(TCPSocket/TCPAddr)")
    String address() default ClamavSettings.DEFAULT_ADDRESS;

    @AttributeDefinition(
            name = "Listeners",
            description = "Names of the SMTP listeners whose mail is scanned (comma list)")
    String[] listeners() default {"mx", "submission", "submissions"};

    @AttributeDefinition(
            name = "Largest message scanned",
            description = "Octets; a larger message is accepted unscanned with a header saying so. Keep it at "
                    + "or below clamd's StreamMaxLength (25 MB by default)")
    long max__size() default ClamavSettings.DEFAULT_MAX_SIZE;

    @AttributeDefinition(
            name = "Time limit",
            description = "Milliseconds clamd may take for one message (connecting, streaming, answering) "
                    + "before fail_mode applies")
    long timeout__millis() default ClamavSettings.DEFAULT_TIMEOUT_MILLIS;

    @AttributeDefinition(
            name = "Fail mode",
            description = "What happens to a message when clamd is down, slow or answers garbage",
            options = {
                @Option(label = "Accept it unscanned, with a header saying so", value = "open"),
                @Option(label = "Defer it (451 4.7.1): the client tries again later", value = "closed")
            })
    String fail__mode() default "open";

    @AttributeDefinition(
            name = "Scan threads",
            description = "Messages streamed to clamd at the same time (keep it below clamd's MaxThreads)")
    int scan__threads() default ClamavSettings.DEFAULT_SCAN_THREADS;
}
