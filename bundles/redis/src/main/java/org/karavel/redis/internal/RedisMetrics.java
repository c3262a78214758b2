package org.karavel.redis.internal;

import java.util.List;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;

/** The store's figures: whether Redis answers, the live nodes, and degraded answers per service. */
final class RedisMetrics implements MetricSource {
    private final RedisStore store;
    private final Fleet fleet;

    RedisMetrics(RedisStore store, Fleet fleet) {
        this.store = store;
        this.fleet = fleet;
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                Metric.of(
                        "karavel_redis_up",
                        "1 while the shared store (Redis) answers, 0 while the shared services run degraded",
                        Metric.Type.GAUGE,
                        store.reachable() ? 1 : 0),
                Metric.of(
                        "karavel_redis_fleet_live_nodes",
                        "Nodes whose heartbeat is current, as the last heartbeat round saw them",
                        Metric.Type.GAUGE,
                        fleet.liveNodes()),
                store.degradedCounts().metric());
    }
}
