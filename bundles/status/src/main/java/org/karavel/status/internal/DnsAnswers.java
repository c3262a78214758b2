package org.karavel.status.internal;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.Resolver;

/** The DNS questions the checks share, answered so that "no such name" is an empty answer, not a failure. */
final class DnsAnswers {
    private final Resolver resolver;

    DnsAnswers(Resolver resolver) {
        this.resolver = resolver;
    }

    Resolver resolver() {
        return resolver;
    }

    /** The TXT records of {@code name} that start with {@code tag} (case-insensitive); none when the name does not exist. */
    CompletionStage<List<String>> tagged(String name, String tag) {
        String prefix = tag.toLowerCase(Locale.ROOT);
        return resolver.txt(name)
                .exceptionally(e -> {
                    if (noSuchName(e)) {
                        return List.of();
                    }
                    throw new CompletionException(cause(e));
                })
                .thenApply(all -> all.stream()
                        .filter(t -> t.strip().toLowerCase(Locale.ROOT).startsWith(prefix))
                        .toList());
    }

    static boolean noSuchName(Throwable e) {
        return cause(e) instanceof DnsException d && d.reason() == DnsException.Reason.NO_SUCH_DOMAIN;
    }

    static Throwable cause(Throwable e) {
        Throwable c = e;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** A DNS failure in a few words, for a finding. */
    static String describe(Throwable e) {
        Throwable c = cause(e);
        if (c instanceof DnsException d) {
            return switch (d.reason()) {
                case NO_SUCH_DOMAIN -> "the name does not exist in DNS";
                case SERVER_FAILURE -> "the DNS server failed to answer (" + d.getMessage() + ")";
                case TIMEOUT -> "the DNS server did not answer in time";
            };
        }
        return c.toString();
    }
}
