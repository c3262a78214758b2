package org.karavel.status.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Who can reach the control surfaces: the admin listener (address, TLS, credentials) and Karaf's SSH
 * console (address, and whether password logins exist), as Mail-in-a-Box warns about SSH passwords.
 */
final class AccessCheck implements StatusCheck {
    static final String ADMIN = "access.admin";
    static final String SSH = "access.ssh";
    private final Supplier<ConfigurationAdmin> configs;
    private final Path etc;

    AccessCheck(Supplier<ConfigurationAdmin> configs, Path etc) {
        this.configs = configs;
        this.etc = etc;
    }

    @Override
    public String name() {
        return "access";
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        List<Finding> out = new ArrayList<>();
        out.add(admin(properties("org.karavel.admin")));
        out.add(ssh(properties("org.apache.karaf.shell"), passwordUsers()));
        return CompletableFuture.completedFuture(out);
    }

    static Finding admin(Dictionary<String, Object> p) {
        if (p != null && "false".equalsIgnoreCase(text(p, "enabled", "true"))) {
            return Finding.ok(ADMIN, Finding.SERVER, "The admin API is turned off");
        }
        String address = text(p, "address", "127.0.0.1");
        String where = address + ":" + text(p, "port", "8000");
        boolean tls = "true".equalsIgnoreCase(text(p, "tls", "false"));
        boolean credentials = !text(p, "admin_users", "").isBlank()
                || !text(p, "token_file", "").isBlank();
        if (isLoopback(address)) {
            return Finding.ok(
                    ADMIN, Finding.SERVER, "The admin API listens on " + where + ", reachable from this machine only");
        }
        if (!tls) {
            return Finding.error(
                    ADMIN,
                    Finding.SERVER,
                    "The admin API listens on " + where + " without TLS",
                    "Set tls = true in etc/org.karavel.admin.cfg, or address = 127.0.0.1 and use an SSH tunnel");
        }
        if (!credentials) {
            return Finding.error(
                    ADMIN,
                    Finding.SERVER,
                    "The admin API listens on " + where + " and asks no credentials",
                    "Set admin_users or token_file in etc/org.karavel.admin.cfg");
        }
        return Finding.ok(
                ADMIN, Finding.SERVER, "The admin API listens on " + where + " over TLS and asks for credentials");
    }

    static Finding ssh(Dictionary<String, Object> p, List<String> passwordUsers) {
        String address = text(p, "sshHost", "0.0.0.0");
        String where = address + ":" + text(p, "sshPort", "8101");
        if (isLoopback(address)) {
            return Finding.ok(
                    SSH,
                    Finding.SERVER,
                    "The Karaf SSH console listens on " + where + ", reachable from this machine only");
        }
        if (!passwordUsers.isEmpty()) {
            return Finding.warning(
                    SSH,
                    Finding.SERVER,
                    "The Karaf SSH console listens on " + where + " and accepts password logins ("
                            + String.join(", ", passwordUsers) + ")",
                    "Set sshHost = 127.0.0.1 in etc/org.apache.karaf.shell.cfg, or log in with keys (etc/keys.properties) and remove the passwords from etc/users.properties");
        }
        return Finding.warning(
                SSH,
                Finding.SERVER,
                "The Karaf SSH console listens on " + where + " (key logins only)",
                "Unless you need it from elsewhere, set sshHost = 127.0.0.1 in etc/org.apache.karaf.shell.cfg");
    }

    /** Users of etc/users.properties that have a password (entries, not {@code _g_:} groups). */
    private List<String> passwordUsers() {
        Properties users = new Properties();
        Path file = etc.resolve("users.properties");
        if (!Files.isReadable(file)) {
            return List.of();
        }
        try (InputStream in = Files.newInputStream(file)) {
            users.load(in);
        } catch (IOException e) {
            return List.of();
        }
        return users.stringPropertyNames().stream()
                .filter(u -> !u.startsWith("_g_:"))
                .filter(u -> !users.getProperty(u).split(",", 2)[0].isBlank())
                .sorted()
                .toList();
    }

    private Dictionary<String, Object> properties(String pid) {
        ConfigurationAdmin ca = configs.get();
        if (ca == null) {
            return null;
        }
        try {
            Configuration[] c = ca.listConfigurations("(service.pid=" + pid + ")");
            return c == null || c.length == 0 ? null : c[0].getProperties();
        } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
            return null;
        }
    }

    private static String text(Dictionary<String, Object> p, String key, String fallback) {
        Object v = p == null ? null : p.get(key);
        return v == null || v.toString().isBlank() ? fallback : v.toString().strip();
    }

    static boolean isLoopback(String address) {
        if (address.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = address.replace("[", "").replace("]", "");
        if (!literal.matches("[0-9A-Fa-f:.]+")) {
            return false; // a name: never looked up here, and not known to be loopback
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
