package org.karavel.admin.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.karavel.api.address.MailAddress;
import org.karavel.api.auth.MailboxUsers;

/** Users with clear passwords, recording every check (who asked, on which thread) for the tests. */
final class FixedUsers implements MailboxUsers {
    private final Map<String, String> passwords;
    final List<String> checks = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    FixedUsers(Map<String, String> passwords) {
        this.passwords = Map.copyOf(passwords);
    }

    @Override
    public CompletionStage<Optional<String>> authenticate(String username, char[] password) {
        checks.add(username);
        threads.add(Thread.currentThread().getName());
        String expected = passwords.get(username);
        boolean ok = expected != null && expected.equals(new String(password));
        return CompletableFuture.supplyAsync(() -> ok ? Optional.of(username) : Optional.empty());
    }

    @Override
    public Set<MailAddress> allowedSenders(String user) {
        return Set.of();
    }
}
