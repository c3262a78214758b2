package org.karavel.events.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One webhook endpoint: factory PID {@code org.karavel.events.webhook}, one file per endpoint,
 * {@code etc/org.karavel.events.webhook-<name>.cfg}. A double underscore in a method name is a
 * single underscore in the key.
 */
@ObjectClassDefinition(
        id = "org.karavel.events.webhook",
        name = "Karavel event webhook",
        description = "An HTTPS endpoint that receives message events as signed JSON batches")
public @interface WebhookConfig {
    @AttributeDefinition(
            name = "Name",
            description = "The endpoint's name in logs and metrics; default: the <name> of the file name",
            required = false)
    String name() default "";

    @AttributeDefinition(
            name = "URL",
            description = "https://...; http:// only to a loopback address (127.0.0.0/8, ::1, localhost)")
    String url() default "";

    @AttributeDefinition(
            name = "Secret file",
            description = "File holding the HMAC-SHA256 key (at least 16 bytes; surrounding white space ignored)")
    String secret__file() default "";

    @AttributeDefinition(
            name = "Events",
            description = "Event types sent (received, delivered, deferred, bounced, suppressed, expired, dsn_sent, "
                    + "tls_failure), comma separated; empty or 'all' for every type",
            required = false)
    String[] events() default {};

    @AttributeDefinition(name = "Batch size", description = "At most this many events per request")
    int batch__size() default 100;

    @AttributeDefinition(
            name = "Batch age",
            description = "Milliseconds an event may wait for a fuller batch before it is sent anyway")
    long batch__age__millis() default 5000;

    @AttributeDefinition(name = "Connect timeout", description = "Milliseconds to connect")
    long connect__timeout__millis() default 5000;

    @AttributeDefinition(name = "Request timeout", description = "Milliseconds for the whole response")
    long timeout__millis() default 10000;

    @AttributeDefinition(
            name = "Minimum backoff",
            description = "Milliseconds before the first retry of a failed request (then doubled each time)")
    long min__backoff__millis() default 1000;

    @AttributeDefinition(name = "Maximum backoff", description = "Seconds between retries at most")
    long max__backoff__seconds() default 300;

    @AttributeDefinition(
            name = "Refused backoff",
            description = "Seconds the endpoint is parked after a 4xx answer other than 408 and 429 (events kept)")
    long refused__backoff__seconds() default 900;
}
