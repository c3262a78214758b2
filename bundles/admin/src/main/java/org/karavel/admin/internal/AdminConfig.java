package org.karavel.admin.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.admin}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping): {@code trusted__hosts} is {@code trusted_hosts}.
 */
@ObjectClassDefinition(
        id = "org.karavel.admin",
        name = "Karavel admin API",
        description = "The HTTP admin API: queue control, message injection, configuration, /metrics and /health")
public @interface AdminConfig {
    @AttributeDefinition(name = "Enabled", description = "Whether the admin API listens at all")
    boolean enabled() default true;

    @AttributeDefinition(name = "Address", description = "The IP address to listen on (a literal, never a host name)")
    String address() default "127.0.0.1";

    @AttributeDefinition(name = "Port", description = "The TCP port to listen on (0: any free port)")
    int port() default 8000;

    @AttributeDefinition(
            name = "TLS",
            description = "Serve HTTPS with the certificate of the tls bundle (renewals served at once)")
    boolean tls() default false;

    @AttributeDefinition(
            name = "Trusted hosts",
            description = "Client networks (CIDR, comma separated) that need no credentials; everyone else needs "
                    + "HTTPS and HTTP Basic auth of an admin user")
    String[] trusted__hosts() default {"127.0.0.0/8", "::1"};

    @AttributeDefinition(
            name = "Admin users",
            description = "Users of the auth bundle who hold the admin role (this list is where the role is granted)",
            required = false)
    String[] admin__users() default {};

    @AttributeDefinition(name = "Auth max failures", description = "Failed logins per client address before 429")
    int auth__max__failures() default 5;

    @AttributeDefinition(name = "Auth failure window", description = "Seconds over which failed logins are counted")
    int auth__failure__window__seconds() default 300;

    @AttributeDefinition(name = "Max request bytes", description = "Largest request body (message injection) in octets")
    long max__request__bytes() default 10L * 1024 * 1024;

    @AttributeDefinition(
            name = "Threads",
            description = "Worker threads that serve requests (password checks may be slow)")
    int threads() default 4;

    @AttributeDefinition(
            name = "Host name",
            description = "Name in the Received header and Message-ID of injected mail; empty: the machine's host name",
            required = false)
    String hostname() default "";

    @AttributeDefinition(
            name = "Server names",
            description = "Host names clients use to reach the API (e.g. mx.example.org), besides its address and, on "
                    + "loopback, localhost; a request whose Host header names anything else is refused (DNS rebinding)",
            required = false)
    String[] server__names() default {};

    @AttributeDefinition(
            name = "Token file",
            description = "A file holding the bearer token that state-changing requests from trusted_hosts must send "
                    + "(Authorization: Bearer ...); generated with mode 0640 when missing; empty: no token asked",
            required = false)
    String token__file() default "";

    @AttributeDefinition(
            name = "Injection: max recipients",
            description = "Most recipients (so messages) one POST /api/v1/inject may carry; more is 413")
    int inject__max__recipients() default 10_000;

    @AttributeDefinition(
            name = "Injection: max request bytes",
            description = "Largest body of POST /api/v1/inject in octets (other requests: max_request_bytes); "
                    + "more is 413")
    long inject__max__request__bytes() default 32L * 1024 * 1024;
}
