package org.karavel.api.health;

/**
 * Whether one part of the server is ready for work, published as a whiteboard service (one per
 * SMTP listener, one for the spool). {@code GET /health} is ready when every check is.
 */
public interface HealthCheck {
    /** A short name, e.g. {@code smtp.listener.mx} or {@code spool}. */
    String name();

    /** Whether this part works now (listener bound, spool open). Quick and never blocking. */
    boolean ready();

    /** A human-readable word on the state, e.g. {@code listening on 0.0.0.0:25}. */
    String detail();
}
