package org.karavel.rspamd.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Configuration of PID {@code org.karavel.rspamd}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping): {@code fail__mode} is {@code fail_mode}.
 */
@ObjectClassDefinition(
        id = "org.karavel.rspamd",
        name = "Karavel Rspamd",
        description = "Content scanning at end of message with Rspamd's HTTP protocol (/checkv2)")
public @interface RspamdConfig {
    @AttributeDefinition(
            name = "URL",
            description = "Rspamd's normal worker (port 11333) or controller (11334, with a password); "
                    + "/checkv2 is added to the path")
    String url() default "http://127.0.0.1:11333";

    @AttributeDefinition(
            name = "Password",
            description = "Sent as the Password header, for a controller that requires one; best given as "
                    + "$[secret:rspamd]",
            required = false)
    String password() default "";

    @AttributeDefinition(
            name = "Time limit",
            description = "Milliseconds Rspamd may take for one message (connection, upload and answer); after "
                    + "that the fail mode applies")
    long timeout__millis() default 15000;

    @AttributeDefinition(
            name = "Fail mode",
            description = "What happens to a message when Rspamd is unreachable, too slow or answers garbage",
            options = {
                @Option(label = "Accept it with X-Spam-Status: unscanned", value = "open"),
                @Option(label = "Refuse it with 451 4.7.1 (the client retries)", value = "closed")
            })
    String fail__mode() default "open";

    @AttributeDefinition(
            name = "Listeners",
            description = "Names of the SMTP listeners whose messages are scanned (e.g. mx, submission)")
    String[] listeners() default {"mx"};

    @AttributeDefinition(
            name = "Scan relay clients",
            description = "Also scan mail from the relay policy's relay_hosts (the operator's own hosts), which the "
                    + "other spam filters exempt")
    boolean scan__relay__clients() default false;

    @AttributeDefinition(
            name = "Settings ids",
            description = "listener=id pairs: Rspamd's Settings-ID for that listener, so that Rspamd applies its "
                    + "own thresholds there (e.g. submission=outbound)",
            required = false)
    String[] settings__ids() default {};

    @AttributeDefinition(
            name = "Maximum size",
            description = "Messages larger than this many octets are not scanned (they get "
                    + "X-Spam-Status: unscanned (too large)); 0 scans all")
    long max__size() default 20971520;
}
