package org.karavel.greylist.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.greylist.Greylist;
import org.karavel.api.greylist.GreylistEntry;
import org.karavel.api.greylist.GreylistStats;
import org.karavel.api.metrics.Metric;
import org.karavel.api.net.CidrBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The greylist's own thread and everything it owns: the store and the policy. Every store access
 * happens on that one thread; RCPT checks get a stage it completes, so SMTP I/O threads never wait.
 * Changes are committed at most once per {@link #COMMIT_DELAY} (a crash loses at most that much
 * greylist state: some mail is greylisted again), and expired entries are cleaned up periodically.
 */
final class GreylistDatabase implements Greylist, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GreylistDatabase.class);
    static final Duration COMMIT_DELAY = Duration.ofSeconds(1);
    private static final long OPERATOR_TIMEOUT_SECONDS = 30;

    private final TripletStore store;
    private final GreylistPolicy policy;
    private final GreylistCounters counters;
    private final ScheduledExecutorService thread;
    private volatile ScheduledFuture<?> cleanUps;
    private ScheduledFuture<?> pendingCommit; // greylist thread only
    private volatile boolean closed;

    GreylistDatabase(TripletStore store, GreylistSettings settings, Clock clock, GreylistCounters counters) {
        this.store = store;
        this.counters = counters;
        this.policy = new GreylistPolicy(store, settings, clock);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "karavel-greylist");
            t.setDaemon(true);
            return t;
        });
        // a commit still waiting at close is not needed: closing the store commits
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.thread = executor;
        long every = settings.cleanupInterval().toMillis();
        this.cleanUps = thread.scheduleWithFixedDelay(this::cleanUp, every, every, TimeUnit.MILLISECONDS);
    }

    /** Settings that need no new store (everything but store_directory) take effect at once. */
    void settings(GreylistSettings settings) {
        GreylistSettings old = policy.settings();
        thread.execute(() -> policy.settings(settings));
        if (!old.cleanupInterval().equals(settings.cleanupInterval())) {
            cleanUps.cancel(false);
            long every = settings.cleanupInterval().toMillis();
            cleanUps = thread.scheduleWithFixedDelay(this::cleanUp, every, every, TimeUnit.MILLISECONDS);
        }
    }

    GreylistSettings settings() {
        return policy.settings();
    }

    /** Decides on one triplet on the greylist thread. */
    CompletionStage<Decision> check(InetAddress client, Triplet triplet) {
        return CompletableFuture.supplyAsync(
                () -> {
                    Decision d = policy.check(client, triplet);
                    commitSoon();
                    return d;
                },
                thread);
    }

    /** Removes expired entries now (also run every cleanup_interval_minutes). */
    CompletionStage<Integer> cleanUpNow() {
        return CompletableFuture.supplyAsync(this::cleanUp, thread);
    }

    private int cleanUp() {
        try {
            int removed = policy.cleanUp();
            store.commit();
            if (removed > 0) {
                LOG.info("greylist: removed {} expired entries; {} triplets left", removed, policy.entryCount());
            }
            return removed;
        } catch (RuntimeException ex) {
            LOG.warn("greylist: clean-up failed: {}", ex.toString());
            return 0;
        }
    }

    private void commitSoon() {
        if (pendingCommit == null || pendingCommit.isDone()) {
            pendingCommit = thread.schedule(this::commit, COMMIT_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void commit() {
        try {
            store.commit();
        } catch (RuntimeException ex) {
            LOG.warn("greylist: commit failed: {}", ex.toString());
        }
    }

    @Override
    public List<GreylistEntry> entries(int limit) {
        return await(CompletableFuture.supplyAsync(() -> policy.entries(limit), thread));
    }

    @Override
    public void allow(String clientNetworkOrIp, String sender, String recipient) {
        String[] entry = operatorEntry(clientNetworkOrIp, sender, recipient);
        if (entry[1] == null) {
            CidrBlock block = CidrBlock.parse(entry[0]);
            await(CompletableFuture.runAsync(
                    () -> {
                        policy.allowNetwork(block);
                        store.commit();
                    },
                    thread));
            LOG.info("greylist: client network {} allowed by an operator", block);
            return;
        }
        Triplet triplet = new Triplet(entry[0], entry[1], entry[2]);
        await(CompletableFuture.runAsync(
                () -> {
                    policy.allowTriplet(triplet);
                    store.commit();
                },
                thread));
        LOG.info(
                "greylist: triplet {} {} {} allowed by an operator",
                triplet.clientNetwork(),
                triplet.sender(),
                triplet.recipient());
    }

    /**
     * What an operator's allow stores, checked and in the greylist's own form: {network, sender,
     * recipient} of a triplet, or {network, null, null} for a whole network (any width).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    String[] operatorEntry(String clientNetworkOrIp, String sender, String recipient) {
        Objects.requireNonNull(clientNetworkOrIp, "clientNetworkOrIp");
        boolean noSender = sender == null || sender.isBlank();
        boolean noRecipient = recipient == null || recipient.isBlank();
        if (noSender != noRecipient) {
            throw new IllegalArgumentException(
                    "give both sender and recipient, or neither (to allow the whole network)");
        }
        CidrBlock block = CidrBlock.parse(clientNetworkOrIp);
        if (noSender) {
            return new String[] {block.toString(), null, null};
        }
        return new String[] {
            network(block, policy.settings()), senderKey(sender.strip()), recipientKey(recipient.strip())
        };
    }

    /** Whether an operator allowed a network holding {@code client}; safe from any thread. */
    boolean allowedNetwork(InetAddress client) {
        return policy.allowedNetwork(client);
    }

    /** The triplet network of a block no wider than the configured prefix. */
    static String network(CidrBlock block, GreylistSettings s) {
        String text = block.toString();
        int slash = text.lastIndexOf('/');
        int prefix = Integer.parseInt(text.substring(slash + 1));
        int wanted = block.isIpv4() ? s.ipv4Prefix() : s.ipv6Prefix();
        if (prefix < wanted) {
            throw new IllegalArgumentException("a triplet's client network is a /" + wanted + "; " + block
                    + " is wider (allow the whole network without sender and recipient instead)");
        }
        try {
            // a literal that CidrBlock already parsed: no DNS lookup
            InetAddress base = InetAddress.getByName(text.substring(0, slash));
            return Triplet.clientNetwork(base, s.ipv4Prefix(), s.ipv6Prefix());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + block, e);
        }
    }

    private static String senderKey(String sender) {
        String s = sender.startsWith("<") && sender.endsWith(">") ? sender.substring(1, sender.length() - 1) : sender;
        if (s.isEmpty()) {
            return Triplet.NULL_SENDER;
        }
        return Triplet.sender(parse(s, "sender"));
    }

    private static String recipientKey(String recipient) {
        String r = recipient.startsWith("<") && recipient.endsWith(">")
                ? recipient.substring(1, recipient.length() - 1)
                : recipient;
        return Triplet.recipient(parse(r, "recipient"));
    }

    private static MailAddress parse(String address, String what) {
        try {
            return MailAddress.parse(address);
        } catch (AddressSyntaxException ex) {
            throw new IllegalArgumentException("invalid " + what + " " + address + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public GreylistStats stats() {
        return await(CompletableFuture.supplyAsync(
                () -> new GreylistStats(
                        policy.entryCount(),
                        policy.passedEntries(),
                        policy.autoWhitelistedCount(),
                        policy.allowedNetworkCount(),
                        counters.deferred(),
                        counters.passed()),
                thread));
    }

    /** The metric families; quick, never waits for the greylist thread. */
    List<Metric> metrics() {
        return counters.metrics(policy::entryCount, policy::autoWhitelistedCount);
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(OPERATOR_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the greylist did not answer within " + OPERATOR_TIMEOUT_SECONDS + " s", e);
        }
    }

    /** Commits and closes the store after the work already queued. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cleanUps.cancel(false);
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("greylist: thread did not finish within 30 s");
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
        LOG.info("greylist: database closed ({} triplets)", policy.entryCount());
    }

    static String describe(GreylistSettings s) {
        return String.format(
                Locale.ROOT,
                "delay=%ds retry_window=%ds max_age=%dd auto_whitelist_clients=%d listeners=%s",
                s.delay().toSeconds(),
                s.retryWindow().toSeconds(),
                s.maxAge().toDays(),
                s.autoWhitelistClients(),
                s.listeners());
    }
}
