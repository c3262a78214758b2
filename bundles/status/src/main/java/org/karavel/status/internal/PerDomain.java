package org.karavel.status.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;

/** Runs a one-finding question for every local domain at once and gathers the findings in domain order. */
final class PerDomain {
    private PerDomain() {}

    static CompletionStage<List<Finding>> each(Setup setup, Function<String, CompletionStage<Finding>> question) {
        List<CompletableFuture<Finding>> each = new ArrayList<>();
        for (String domain : new TreeSet<>(setup.localDomains())) {
            each.add(question.apply(domain).toCompletableFuture());
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture<?>[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }
}
