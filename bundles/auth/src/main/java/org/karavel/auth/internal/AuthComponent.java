package org.karavel.auth.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.karavel.api.address.MailAddress;
import org.karavel.api.auth.MailboxUserAdmin;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.recipient.Alias;
import org.karavel.api.recipient.AliasAdmin;
import org.karavel.api.recipient.Expansion;
import org.karavel.api.recipient.RecipientExpansion;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DS face of {@link MailboxUserDirectory}: reads the configuration, owns the hashing threads
 * and the 2-second poller that notices edits to the files. A configuration change re-creates the
 * component (no @Modified): the files or scheme changed, so everything is read again.
 */
@Component(
        service = {MailboxUsers.class, MailboxUserAdmin.class, RecipientExpansion.class, AliasAdmin.class},
        configurationPid = "org.karavel.auth",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = AuthConfig.class)
public final class AuthComponent implements MailboxUsers, MailboxUserAdmin, RecipientExpansion, AliasAdmin {
    static final String DEFAULT_PASSWD_FILE = "${karaf.etc}/karavel.passwd";
    static final String DEFAULT_ALIASES_FILE = "${karaf.etc}/karavel.aliases";
    private static final Logger LOG = LoggerFactory.getLogger(AuthComponent.class);
    /** Authentications waiting for a hashing thread; beyond this they fail (4xx) rather than pile up. */
    private static final int MAX_WAITING = 256;

    private ThreadPoolExecutor hashing;
    private ScheduledExecutorService poller;
    private MailboxUserDirectory directory;

    @Activate
    void activate(AuthConfig config) {
        PasswordScheme scheme = PasswordScheme.byName(config.default__scheme()).orElseGet(() -> {
            LOG.warn("default_scheme {} is not supported; using SHA512-CRYPT", config.default__scheme());
            return PasswordScheme.SHA512_CRYPT;
        });
        Path passwd = Path.of(expand(config.passwd__file()));
        String aliases = config.aliases__file();
        Path aliasesPath = aliases == null || aliases.isBlank() ? null : Path.of(expand(aliases));
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        hashing = new ThreadPoolExecutor(
                threads,
                threads,
                60,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_WAITING),
                named("karavel-auth-hash"));
        hashing.allowCoreThreadTimeOut(true);
        directory = new MailboxUserDirectory(passwd, aliasesPath, scheme, hashing, config.recipient__delimiter());
        poller = Executors.newSingleThreadScheduledExecutor(named("karavel-auth-watch"));
        poller.scheduleWithFixedDelay(this::poll, 2, 2, TimeUnit.SECONDS);
        LOG.info(
                "users from {}{}, new passwords as {}",
                passwd,
                aliasesPath == null ? "" : ", aliases from " + aliasesPath,
                scheme.dovecotName());
    }

    @Deactivate
    void deactivate() {
        poller.shutdownNow();
        hashing.shutdown();
    }

    private void poll() {
        try {
            directory.reloadIfChanged();
        } catch (RuntimeException e) {
            LOG.warn("re-reading the user files failed", e);
        }
    }

    /** Replaces {@code ${karaf.etc}} (and other system properties written so) in a path. */
    static String expand(String path) {
        String out = path;
        int start;
        while ((start = out.indexOf("${")) >= 0) {
            int end = out.indexOf('}', start);
            if (end < 0) {
                break;
            }
            String name = out.substring(start + 2, end);
            String value = System.getProperty(name, name.equals("karaf.etc") ? "etc" : "");
            out = out.substring(0, start) + value + out.substring(end + 1);
        }
        return out;
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public CompletionStage<Optional<String>> authenticate(String username, char[] password) {
        return directory.authenticate(username, password);
    }

    @Override
    public Set<MailAddress> allowedSenders(String user) {
        return directory.allowedSenders(user);
    }

    @Override
    public List<String> list() {
        return directory.list();
    }

    @Override
    public void add(String user, char[] password) throws IOException {
        directory.add(user, password);
    }

    @Override
    public void setPassword(String user, char[] password) throws IOException {
        directory.setPassword(user, password);
    }

    @Override
    public boolean remove(String user) throws IOException {
        return directory.remove(user);
    }

    @Override
    public Expansion expand(MailAddress recipient) {
        return directory.expand(recipient);
    }

    @Override
    public List<Alias> aliases() {
        return directory.aliases();
    }

    @Override
    public void add(String address, List<String> targets) throws IOException {
        directory.add(address, targets);
    }

    @Override
    public boolean remove(String address, List<String> targets) throws IOException {
        return directory.remove(address, targets);
    }
}
