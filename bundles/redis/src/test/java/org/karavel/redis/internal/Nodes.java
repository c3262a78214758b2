package org.karavel.redis.internal;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.karavel.testkit.RedisServer;

/** Stores of several made-up nodes on one test Redis, closed together. */
final class Nodes implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();

    /** A RedisConfig as DS would make it: the annotation defaults, overridden by {@code values}. */
    static RedisConfig config(Map<String, Object> values) {
        return (RedisConfig) Proxy.newProxyInstance(
                RedisConfig.class.getClassLoader(), new Class<?>[] {RedisConfig.class}, (proxy, method, args) -> {
                    Object v = values.get(method.getName());
                    return v != null ? v : method.getDefaultValue();
                });
    }

    /** A store for node {@code name}, keys under a prefix of the test's own. */
    RedisStore store(RedisServer redis, String name, String prefix, Map<String, Object> more) {
        Map<String, Object> values = new HashMap<>(more);
        values.put("uri", redis.uri());
        values.put("node__name", name);
        values.put("key__prefix", prefix);
        RedisStore s = new RedisStore(RedisSettings.from(config(values)));
        open.add(s);
        return s;
    }

    <T extends AutoCloseable> T closeLater(T part) {
        open.add(0, part);
        return part;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }
}
