package org.karavel.smtp.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The configuration of one listener, from {@code etc/org.karavel.smtp.listener-<name>.cfg}.
 *
 * <p>Method names use a double underscore because Declarative Services maps a single '_' in a
 * method name to '.', and '__' to '_': {@code max__message__size()} reads the key
 * {@code max_message_size}.
 */
@ObjectClassDefinition(
        id = "org.karavel.smtp.listener",
        name = "Karavel SMTP listener",
        description = "One SMTP listener (one configuration file per listener: mx, submission, ...)")
public @interface ListenerConfig {
    @AttributeDefinition(description = "Name of the listener, for logs and the Envelope")
    String name() default "mx";

    @AttributeDefinition(
            description = "IP addresses to listen on, comma-separated (:: every IPv4 and IPv6 address, "
                    + "one dual-stack socket; 0.0.0.0 every IPv4 address; e.g. 127.0.0.1, ::1)")
    String address() default "::";

    @AttributeDefinition(description = "TCP port (below 1024 needs root or CAP_NET_BIND_SERVICE)")
    int port() default 25;

    @AttributeDefinition(
            required = false,
            description = "Host name in the greeting and Received headers; empty: the machine's canonical host name")
    String hostname() default "";

    @AttributeDefinition(description = "Largest message accepted, in octets (SIZE); more is refused with 552 5.3.4")
    long max__message__size() default 36700160L;

    @AttributeDefinition(description = "Most recipients per message; more get 452 4.5.3")
    int max__recipients() default 1000;

    @AttributeDefinition(description = "Longest command line in octets including CRLF (at least 512)")
    int max__command__line() default 2048;

    @AttributeDefinition(description = "Longest line in message content, in octets; longer is refused with 552 5.3.4")
    int max__data__line() default 32768;

    @AttributeDefinition(description = "Seconds a client may stay silent between commands")
    int command__timeout__seconds() default 300;

    @AttributeDefinition(description = "Seconds a client may stay silent while sending message content")
    int data__timeout__seconds() default 300;

    @AttributeDefinition(description = "Most simultaneous connections to this listener")
    int max__connections() default 1000;

    @AttributeDefinition(description = "Most simultaneous connections from one IP address")
    int max__connections__per__ip() default 20;

    @AttributeDefinition(
            description = "Most new connections from one client network per minute (Postfix's "
                    + "smtpd_client_connection_rate_limit); more get 421 4.7.0. Counted across the fleet when a "
                    + "shared store runs; client_limit_exceptions are exempt. 0: no limit")
    int max__connection__rate__per__ip() default 0;

    @AttributeDefinition(description = "Errors (bad commands, refusals) after which the session is closed with 421")
    int max__errors() default 20;

    @AttributeDefinition(
            description = "Bare CR or LF in message content: reject the message (550 5.5.2) or normalize to CRLF",
            options = {@Option(label = "reject", value = "reject"), @Option(label = "normalize", value = "normalize")})
    String bare__line__endings() default "reject";

    @AttributeDefinition(
            description = "Time limit of a filter at one stage, in milliseconds "
                    + "(a filter's own karavel.filter.timeout.ms service property overrides it)")
    long filter__timeout__millis() default 30000L;

    @AttributeDefinition(
            description =
                    "Filters (by karavel.filter.name) without which no recipient is accepted: "
                            + "while one is missing, e.g. during a bundle update, RCPT gets 451 4.3.0 instead of passing unchecked")
    String[] required__filters() default {"relay"};

    @AttributeDefinition(
            description =
                    "TLS: none; starttls (offered when a certificate service is present); "
                            + "required (MAIL, RCPT and AUTH need STARTTLS first: 530 5.7.0); implicit (TLS from the first byte, port 465)",
            options = {
                @Option(label = "none", value = "none"),
                @Option(label = "starttls", value = "starttls"),
                @Option(label = "required", value = "required"),
                @Option(label = "implicit", value = "implicit")
            })
    String tls() default "starttls";

    @AttributeDefinition(
            description = "Whether MAIL needs a successful AUTH first (530 5.7.0); true for submission listeners")
    boolean auth__required() default false;

    @AttributeDefinition(
            description = "Always true: an authenticated client may only use its own sender addresses "
                    + "(MailboxUsers.allowedSenders), others get 553 5.7.1; false is ignored with a warning")
    boolean sender__login__match() default true;

    @AttributeDefinition(
            description = "Whether every From header address of an authenticated client's message must "
                    + "be one of its own sender addresses (MailboxUsers.allowedSenders), since such mail is DKIM-signed; "
                    + "others get 553 5.7.1 at end of data")
    boolean from__login__match() default true;

    @AttributeDefinition(
            description = "Failed AUTH attempts from one IP address within the window after which "
                    + "further AUTH gets 421 4.7.0 and the connection closes")
    int auth__max__failures() default 5;

    @AttributeDefinition(description = "The window for auth_max_failures, in seconds")
    int auth__failure__window__seconds() default 300;

    @AttributeDefinition(
            description = "TLS protocols for this listener only (e.g. to widen port 25 for old "
                    + "senders); empty: those of org.karavel.tls",
            required = false)
    String[] tls__protocols() default {};

    @AttributeDefinition(
            description = "TLS cipher suites for this listener only; empty: those of org.karavel.tls",
            required = false)
    String[] tls__cipher__suites() default {};

    @AttributeDefinition(
            description = "Clients the per-client connection limit (max_connections_per_ip) does not apply to: "
                    + "relay_hosts (those of org.karavel.relay) and/or networks in CIDR notation; empty: nobody",
            required = false)
    String[] client__limit__exceptions() default {"relay_hosts"};

    @AttributeDefinition(
            description = "IPv4 clients are counted by networks of this prefix length for the per-client "
                    + "connection limit and the AUTH failure throttle (32: each address)")
    int client__ipv4__prefix__length() default 32;

    @AttributeDefinition(
            description = "IPv6 clients are counted by networks of this prefix length for the per-client "
                    + "connection limit and the AUTH failure throttle (64: one client usually owns a /64)")
    int client__ipv6__prefix__length() default 64;

    @AttributeDefinition(
            description = "A message with more Received: header fields than this is refused at end of data "
                    + "with 554 5.4.6 Too many hops (a mail loop)")
    int hopcount__limit() default 50;

    @AttributeDefinition(
            description = "Whether AUTH is offered (after TLS); false on the MX listener, where users "
                    + "do not submit mail")
    boolean auth() default true;
}
