package org.karavel.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.karavel.api.metrics.CounterFamily;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection to Redis (Lettuce, asynchronous, pipelined by nature) and what the shared
 * services need around it: scripts run in one round trip, whether the store answers (one WARN when
 * it stops, one INFO when it is back), and the count of degraded answers per service. Commands fail
 * fast while disconnected and time out after the configured command timeout; Lettuce reconnects
 * with exponential backoff (100 ms to 10 s), and a first connection that fails is retried here.
 *
 * <p>Results are handed to the caller on this store's own threads, never on Netty's, so a slow
 * continuation of a caller cannot stall every other Redis answer.
 */
final class RedisStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(250);
    private static final Duration MAX_RETRY = Duration.ofSeconds(10);
    private static final Duration LETTUCE_TIMEOUT = Duration.ofSeconds(30);

    private final RedisSettings settings;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService timer;
    private final ExecutorService answers;
    private final AtomicBoolean reachable = new AtomicBoolean(false);
    // whether the first failure to connect was logged already (later ones are logged as changes)
    private final AtomicBoolean announced = new AtomicBoolean(false);
    private final CounterFamily degraded = new CounterFamily(
            "karavel_redis_degraded_total",
            "Answers a shared service gave from local state because Redis failed or was too slow",
            "service");
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean closed;
    private volatile String lastProblem = "not connected yet";

    RedisStore(RedisSettings settings) {
        this.settings = settings;
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(FIRST_RETRY, MAX_RETRY, 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // each call has its own deadline (see call); this only bounds a command nobody waits for
                .timeoutOptions(TimeoutOptions.enabled(LETTUCE_TIMEOUT))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .keepAlive(true)
                        .build())
                .sslOptions(sslOptions(settings))
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                up();
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                // a refused handshake ends here too: keep its reason (e.g. an untrusted certificate)
                if (reachable.get()) {
                    down("connection lost");
                }
            }

            @Override
            public void onRedisExceptionCaught(RedisChannelHandler<?, ?> handler, Throwable cause) {
                lastProblem = String.valueOf(cause);
            }
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "karavel-redis-timer"));
        this.answers = Executors.newFixedThreadPool(2, r -> thread(r, "karavel-redis"));
        for (String service : new String[] {
            "connection_slots", "counters", "fleet", "greylist", "rate_limiter", "reactions", "suppression"
        }) {
            degraded.add(0, service);
        }
        connect(FIRST_RETRY);
    }

    /** The JVM's trust store, or only the CAs of {@code tls_ca_file}; peers are always verified. */
    private static SslOptions sslOptions(RedisSettings settings) {
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
        if (settings.tlsCaFile() != null) {
            b.trustManager(settings.tlsCaFile().toFile());
        }
        return b.build();
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Connects; on failure tries again later, doubling the wait up to {@link #MAX_RETRY}. */
    private void connect(Duration nextWait) {
        if (closed) {
            return;
        }
        client.connectAsync(StringCodec.UTF8, settings.uri()).whenComplete((c, e) -> {
            if (e != null) {
                down("cannot connect: " + rootMessage(e));
                if (!closed) {
                    timer.schedule(
                            () -> connect(min(nextWait.multipliedBy(2), MAX_RETRY)),
                            nextWait.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
                return;
            }
            if (closed) {
                c.closeAsync();
                return;
            }
            connection = c;
            up();
        });
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    RedisSettings settings() {
        return settings;
    }

    /** A key in this fleet's name space. */
    String key(String name) {
        return settings.keyPrefix() + name;
    }

    boolean reachable() {
        return reachable.get() && connection != null && connection.isOpen();
    }

    String lastProblem() {
        return lastProblem;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    CounterFamily degradedCounts() {
        return degraded;
    }

    /** Counts one degraded answer of {@code service}. */
    void degraded(String service) {
        degraded.increment(service);
    }

    /**
     * Runs {@code script} within the command timeout; the stage fails at once when Redis is not
     * connected.
     */
    <T> CompletionStage<T> eval(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        return evalWithin(settings.commandTimeout(), script, type, keys, args);
    }

    /** {@link #eval} with a deadline of its own (bulk writes, a whole-list read). */
    <T> CompletionStage<T> evalWithin(
            Duration timeout, LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        return call(
                timeout,
                c -> c.<T>evalsha(script.sha(), type, keys, args)
                        .toCompletableFuture()
                        .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                                ? c.<T>eval(script.body(), type, keys, args)
                                : CompletableFuture.failedFuture(e)));
    }

    /** Runs a command within the command timeout. */
    <T> CompletionStage<T> call(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) {
        return call(settings.commandTimeout(), command);
    }

    /**
     * Runs a command built from the asynchronous API; results arrive on this store's threads. Past
     * {@code timeout} the stage fails with a {@link TimeoutException} (the command may still run).
     */
    <T> CompletionStage<T> call(
            Duration timeout, Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null || closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis not connected: " + lastProblem));
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        CompletionStage<T> stage;
        try {
            stage = command.apply(c.async());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        stage.toCompletableFuture()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenCompleteAsync(
                        (v, e) -> {
                            if (e == null) {
                                up();
                                out.complete(v);
                            } else {
                                Throwable cause = unwrap(e);
                                if (!(cause instanceof RedisCommandExecutionException)) {
                                    down(rootMessage(cause));
                                }
                                out.completeExceptionally(cause);
                            }
                        },
                        answers);
        return out;
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = unwrap(e);
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private void up() {
        announced.set(true);
        if (reachable.compareAndSet(false, true)) {
            LOG.info("redis: {} answers; shared state in use", settings.describe());
        }
    }

    private void down(String why) {
        lastProblem = why;
        if (closed) {
            return;
        }
        if (reachable.compareAndSet(true, false) || announced.compareAndSet(false, true)) {
            LOG.warn(
                    "redis: {} unreachable ({}); greylisting fails open, throttles use this node's share,"
                            + " suppression answers from the local copy until it is back",
                    settings.describe(),
                    why);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
        answers.shutdownNow();
    }
}
