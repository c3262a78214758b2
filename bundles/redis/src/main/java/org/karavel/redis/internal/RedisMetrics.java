package org.karavel.redis.internal;

import java.util.ArrayList;
import java.util.List;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;

/** The store's figures: whether Redis answers, the live nodes, degraded answers per service, connection slots. */
final class RedisMetrics implements MetricSource {
    private final RedisStore store;
    private final Fleet fleet;
    private final RedisConnectionSlots slots;

    RedisMetrics(RedisStore store, Fleet fleet, RedisConnectionSlots slots) {
        this.store = store;
        this.fleet = fleet;
        this.slots = slots;
    }

    @Override
    public List<Metric> metrics() {
        List<Metric> out = new ArrayList<>(List.of(
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
                store.degradedCounts().metric()));
        out.addAll(slots.metrics());
        return out;
    }
}
