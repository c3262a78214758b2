package org.karavel.shell.internal;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The highest-ranked service of a type at the moment a command runs. A Karaf action's
 * {@code @Reference} keeps the service it first bound, so a better one published later (the
 * fleet's shared suppression list, when org.karavel.redis is configured at run time) would be missed.
 */
final class BestService {
    private BestService() {}

    /** The best {@code type} registered now, or {@code bound} when there is none (or no context). */
    static <T> T of(BundleContext context, Class<T> type, T bound) {
        if (context == null) {
            return bound;
        }
        ServiceReference<T> ref = context.getServiceReference(type);
        if (ref == null) {
            return bound;
        }
        T best = context.getService(ref);
        // the registering bundle keeps it alive; a command runs for moments, so no use count is held
        context.ungetService(ref);
        return best != null ? best : bound;
    }
}
