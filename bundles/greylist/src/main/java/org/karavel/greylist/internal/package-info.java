/**
 * Greylisting with postgrey's semantics: the first RCPT of an unknown (client network, sender,
 * recipient) triplet is deferred with 450 4.2.0; a retry after the delay and within the retry window
 * passes, and so does later mail of that triplet until it goes unseen for {@code max_age_days}.
 * Client networks that passed often enough are auto-whitelisted. Triplets live in a MapDB file
 * ({@link org.karavel.greylist.internal.MapDbTripletStore}) that only the bundle's own single thread
 * ({@link org.karavel.greylist.internal.GreylistDatabase}) touches.
 *
 * <p>Never: touch the store or wait for it on an SMTP I/O thread (every RCPT check is a stage
 * completed by the greylist thread); refuse mail for good (only 450); greylist authenticated
 * sessions, pass-listed clients (loopback by default), mail to postmaster, or listeners not in
 * {@code listeners}; store objects with Java serialization (a bundle update must still read the file).
 */
package org.karavel.greylist.internal;
