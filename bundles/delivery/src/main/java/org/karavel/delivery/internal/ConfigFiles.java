package org.karavel.delivery.internal;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** Which file a configuration came from, so that an ERROR can name it. */
final class ConfigFiles {
    private ConfigFiles() {}

    /** The file Karaf's fileinstall read the configuration from, else the PID as etc/ would name its file. */
    static String fileOf(Map<String, Object> properties, String factoryPid) {
        Object f = properties.get("felix.fileinstall.filename");
        if (f != null) {
            String s = String.valueOf(f);
            // a file: URL
            return s.startsWith("file:") ? Path.of(URI.create(s)).toString() : s;
        }
        Object pid = properties.get("service.pid");
        return pid == null ? "etc/" + factoryPid + "-?.cfg" : "configuration " + pid;
    }
}
