package org.karavel.rspamd.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Configurations as DS gives them, for tests. */
final class Configs {
    private Configs() {}

    /** An RspamdConfig: the overrides by property key, the annotation defaults otherwise. */
    static RspamdConfig rspamd(Map<String, Object> overrides) {
        return (RspamdConfig) Proxy.newProxyInstance(
                RspamdConfig.class.getClassLoader(), new Class<?>[] {RspamdConfig.class}, (proxy, method, args) -> {
                    String key = method.getName().replace("__", "_");
                    return overrides.containsKey(key) ? overrides.get(key) : method.getDefaultValue();
                });
    }
}
