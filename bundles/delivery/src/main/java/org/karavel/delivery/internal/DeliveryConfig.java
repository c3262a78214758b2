package org.karavel.delivery.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.delivery}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping), so {@code remote__port} is {@code remote_port}.
 */
@ObjectClassDefinition(
        name = "Karavel delivery",
        description = "Delivers queued mail: remote SMTP, Maildir or LMTP, retries and bounces")
public @interface DeliveryConfig {
    @AttributeDefinition(
            name = "Remote port",
            description = "TCP port of remote SMTP servers",
            min = "1",
            max = "65535")
    int remote__port() default 25;

    @AttributeDefinition(
            name = "Smarthost",
            description =
                    "Send all remote mail here: host:port (MX lookup on host) or [host]:port (no MX lookup); empty = none")
    String smarthost() default "";

    @AttributeDefinition(
            name = "Smarthost TLS",
            description =
                    "TLS mode towards the smarthost (Opportunistic, OpportunisticInsecure, Required, RequiredInsecure, Disabled); empty = the outbound TLS policy (org.karavel.tls.outbound) for the smarthost's host name")
    String smarthost__tls() default "";

    @AttributeDefinition(name = "HELO name", description = "Name sent in EHLO/HELO; empty = the canonical host name")
    String helo__name() default "";

    @AttributeDefinition(name = "Maximum connections", description = "Outbound connections in total", min = "1")
    int max__connections() default 100;

    @AttributeDefinition(name = "Maximum connections per destination", min = "1")
    int max__connections__per__destination() default 20;

    @AttributeDefinition(
            name = "Messages per connection",
            description = "Transactions on one connection before it is closed",
            min = "1")
    int max__messages__per__connection() default 100;

    @AttributeDefinition(
            name = "Connection idle time (s)",
            description = "How long an idle connection waits for more mail to its destination",
            min = "0")
    int connection__idle__seconds() default 2;

    @AttributeDefinition(name = "Connect timeout (s)", min = "1")
    int connect__timeout__seconds() default 30;

    @AttributeDefinition(
            name = "Reply timeout (s)",
            description = "How long to wait for each whole reply (however it trickles in) or for a write to progress",
            min = "1")
    int reply__timeout__seconds() default 300;

    @AttributeDefinition(
            name = "End of data timeout (s)",
            description = "How long to wait for the reply to the final dot",
            min = "1")
    int data__done__timeout__seconds() default 600;

    @AttributeDefinition(
            name = "Transaction deadline (s)",
            description =
                    "How long one whole mail transaction (MAIL FROM to the reply to the final dot) may take; past it the recipients are deferred",
            min = "1")
    int transaction__timeout__seconds() default 1800;

    @AttributeDefinition(name = "Minimum backoff (s)", min = "1")
    int min__backoff__seconds() default 300;

    @AttributeDefinition(name = "Maximum backoff (s)", min = "1")
    int max__backoff__seconds() default 14400;

    @AttributeDefinition(
            name = "Maximum queue lifetime (s)",
            description = "Age after which a deferred message bounces",
            min = "0")
    long max__queue__lifetime__seconds() default 432000;

    @AttributeDefinition(name = "Local transport", description = "maildir, or lmtp:host:port")
    String local__transport() default "maildir";

    @AttributeDefinition(name = "Maildir root", description = "Root of the Maildirs; empty = ${karaf.data}/mail")
    String maildir__root() default "";

    @AttributeDefinition(
            name = "Recipient delimiter",
            description = "Characters that start an address extension (user+ext); empty = none")
    String recipient__delimiter() default "+";

    @AttributeDefinition(
            name = "Scan interval (ms)",
            description = "How often the spool is scanned for due mail",
            min = "10")
    long scan__interval__millis() default 1000;

    @AttributeDefinition(
            name = "Hop count limit",
            description =
                    "A queued message with more Received: fields than this is bounced (5.4.6), as Postfix's hopcount_limit",
            min = "1")
    int hopcount__limit() default 50;

    @AttributeDefinition(
            name = "Proxy interfaces",
            description =
                    "Addresses (comma separated) that reach this server through NAT or a proxy, as Postfix's proxy_interfaces: an MX host there loops back to myself")
    String proxy__interfaces() default "";

    @AttributeDefinition(
            name = "Outbound IP families",
            description =
                    "all, ipv4 or ipv6: the address families delivery connects to (Postfix's inet_protocols, for the client side)")
    String inet__protocols() default "all";

    @AttributeDefinition(
            name = "Address preference",
            description =
                    "ipv6, ipv4 or any: which family of a host's addresses is tried first; the other follows when a connect fails (Postfix's smtp_address_preference)")
    String address__preference() default "any";

    @AttributeDefinition(
            name = "Bounce rules",
            description =
                    "The file of rules that give each delivery failure its category; empty = etc/karavel.bounce-rules. Read again when it changes")
    String bounce__rules() default "";

    @AttributeDefinition(
            name = "Transport table",
            description =
                    "The transport table file (Postfix's transport_maps): per recipient domain, mx, smtp:[host]:port (a list fails over), lmtp:host:port or refuse; empty = etc/karavel.transport. Read again when it changes")
    String transport__table() default "";

    @AttributeDefinition(
            name = "Delay warning time",
            description =
                    "After this long in the queue a delay DSN (once per message) goes to senders whose recipients asked with NOTIFY=DELAY or gave no NOTIFY (Postfix's delay_warning_time: a number with unit s, m, h, d or w, hours without); 0 = none")
    String delay__warning__time() default "4h";

    @AttributeDefinition(
            name = "DSN return limit (octets)",
            description =
                    "A failure DSN for RET=FULL returns the whole message up to this size, beyond it only the headers (Postfix's bounce_size_limit)")
    long dsn__return__limit() default 102400;
}
