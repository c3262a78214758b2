package org.karavel.spool.internal;

/**
 * A wait that an interrupt does not cut short, for the spool's close: Karaf may interrupt the thread
 * that stops the bundle, and a close given up half way leaves MapDB open under a commit or no
 * {@code spool.clean}. The interrupt is remembered, for the caller to restore once the close is done.
 */
@FunctionalInterface
interface UninterruptibleWait {
    void await() throws InterruptedException;

    /** Runs {@code wait} to its end whatever interrupts arrive; whether one arrived (the flag is left clear). */
    static boolean run(UninterruptibleWait wait) {
        boolean interrupted = Thread.interrupted();
        while (true) {
            try {
                wait.await();
                return interrupted;
            } catch (InterruptedException ex) {
                interrupted = true;
            }
        }
    }

    /** Sets the current thread's interrupt again when {@code interrupted}. */
    static void restore(boolean interrupted) {
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
