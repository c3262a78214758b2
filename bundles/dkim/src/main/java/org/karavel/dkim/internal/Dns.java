package org.karavel.dkim.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.karavel.api.dns.DnsException;

/** How DNS failures from the api Resolver read: the cause under the stage's wrapping. */
final class Dns {
    private Dns() {}

    static Throwable cause(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** NXDOMAIN: the name does not exist (a permanent, "void" answer). */
    static boolean isNoSuchDomain(Throwable t) {
        return cause(t) instanceof DnsException d && d.reason() == DnsException.Reason.NO_SUCH_DOMAIN;
    }
}
