package org.karavel.redis.internal;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/**
 * Status check {@code redis.reachable}: the shared store answers a PING within the command timeout.
 * While it does not, the fleet runs degraded (greylisting open, throttles per node).
 */
final class RedisReachableCheck implements StatusCheck {
    static final String NAME = "redis.reachable";
    private final RedisStore store;
    private final Fleet fleet;

    RedisReachableCheck(RedisStore store, Fleet fleet) {
        this.store = store;
        this.fleet = fleet;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        String where = store.settings().describe();
        return store.call(c -> c.ping())
                .handle((pong, e) -> List.of(
                        e == null
                                ? Finding.ok(
                                        NAME,
                                        Finding.SERVER,
                                        "Redis (" + where + ") answers; " + fleet.liveNodes()
                                                + " node(s) live in the fleet")
                                : Finding.error(
                                        NAME,
                                        Finding.SERVER,
                                        "Redis (" + where + ") does not answer: " + e.getMessage()
                                                + "; greylisting lets mail through, throttles use this node's share",
                                        "Start Redis or correct uri, sentinels, user and password in "
                                                + RedisSettings.FILE)));
    }
}
