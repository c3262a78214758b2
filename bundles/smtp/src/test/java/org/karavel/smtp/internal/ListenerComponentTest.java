package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The DS wrapper, driven by hand: configuration, bind failures and retries, reconfiguration. */
class ListenerComponentTest {
    private static final Map<String, Object> FROM_FILE =
            Map.of("felix.fileinstall.filename", "file:/opt/karavel/etc/org.karavel.smtp.listener-mx.cfg");

    /** A configuration as DS would make it: the given values, defaults for the rest. */
    private static ListenerConfig config(Object... keysAndValues) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            values.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        values.putIfAbsent("hostname", "mx.test.example");
        values.putIfAbsent("address", "127.0.0.1");
        return (ListenerConfig) Proxy.newProxyInstance(
                ListenerConfig.class.getClassLoader(), new Class<?>[] {ListenerConfig.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("toString") ? values.toString() : method.invoke(values, args);
                    }
                    Object v = values.get(method.getName());
                    return v != null ? v : method.getDefaultValue();
                });
    }

    @Test
    void aPortInUseIsOneClearErrorAndEditingTheFileRetries() throws IOException {
        ListenerComponent component = new ListenerComponent();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            component.activate(config("port", taken.getLocalPort()), FROM_FILE);
            assertThat(component.listener()).isNull(); // no exception: the component stays active

            SmtpListener probe = new SmtpListener(
                    ListenerSettings.builder("mx.test.example")
                            .address("127.0.0.1")
                            .port(taken.getLocalPort())
                            .build(),
                    () -> null,
                    new FilterChain(),
                    new MailLog(l -> {}));
            assertThatThrownBy(probe::start)
                    .isInstanceOfSatisfying(
                            IOException.class,
                            e -> assertThat(ListenerComponent.bindFailure(
                                            "127.0.0.1",
                                            taken.getLocalPort(),
                                            e,
                                            ListenerComponent.configurationLocation(FROM_FILE)))
                                    .isEqualTo("Cannot listen on 127.0.0.1:" + taken.getLocalPort()
                                            + ": Address already in use (another program listens there). "
                                            + "Set another port in /opt/karavel/etc/org.karavel.smtp.listener-mx.cfg"));
        }
        component.modified(config("port", 0), FROM_FILE);
        SmtpListener running = component.listener();
        assertThat(running).isNotNull();
        assertThat(running.localAddress().getPort()).isPositive();

        component.modified(config("port", 0, "max__errors", 5), FROM_FILE);
        assertThat(component.listener()).isSameAs(running); // same socket: no rebind
        assertThat(running.settings().maxErrors()).isEqualTo(5);

        component.modified(config("port", 0, "max__command__line", 100), FROM_FILE);
        assertThat(component.listener()).isNull(); // refused, and the old one stopped
        assertThat(running.isRunning()).isFalse();
        component.deactivate();
    }

    @Test
    void theHealthCheckIsReadyOnlyWhileBound() throws IOException {
        ListenerComponent component = new ListenerComponent();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            component.activate(config("name", "mx", "port", taken.getLocalPort()), FROM_FILE);
            assertThat(component.name()).isEqualTo("smtp.listener.mx");
            assertThat(component.ready()).isFalse();
            assertThat(component.detail()).startsWith("Cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        component.modified(config("name", "mx", "port", 0), FROM_FILE);
        assertThat(component.ready()).isTrue();
        assertThat(component.detail())
                .isEqualTo("listening on 127.0.0.1:"
                        + component.listener().localAddress().getPort());
        component.deactivate();
        assertThat(component.ready()).isFalse();
        assertThat(component.detail()).isEqualTo("stopped");
    }

    @Test
    void bindFailuresSayWhatToChange() {
        assertThat(ListenerComponent.bindFailure(
                        "0.0.0.0",
                        25,
                        new BindException("Permission denied"),
                        "/opt/karavel/etc/org.karavel.smtp.listener-mx.cfg"))
                .isEqualTo(
                        "Cannot listen on 0.0.0.0:25: Permission denied (ports below 1024 need root or "
                                + "CAP_NET_BIND_SERVICE). Set another port in /opt/karavel/etc/org.karavel.smtp.listener-mx.cfg");
        assertThat(ListenerComponent.bindFailure(
                        "192.0.2.7", 2525, new BindException("Cannot assign requested address"), "x.cfg"))
                .isEqualTo("Cannot listen on 192.0.2.7:2525: Cannot assign requested address "
                        + "(no such address on this machine). Set another address in x.cfg");
        assertThat(ListenerComponent.bindFailure("::", 25, new BindException("Address already in use"), "x.cfg"))
                .startsWith("Cannot listen on [::]:25: Address already in use");
    }

    @Test
    void withoutAFileThePidIsNamed() {
        assertThat(ListenerComponent.configurationLocation(Map.of("service.pid", "org.karavel.smtp.listener~mx")))
                .isEqualTo(
                        "the configuration with PID org.karavel.smtp.listener~mx (etc/org.karavel.smtp.listener-<name>.cfg)");
    }

    @Test
    void configurationKeysAreCheckedAndNamed() {
        assertThatThrownBy(() -> ListenerSettings.from(config("bare__line__endings", "ignore"), "h.example"))
                .hasMessage("bare_line_endings must be reject or normalize (is ignore)");
        ListenerSettings s =
                ListenerSettings.from(config("hostname", "", "bare__line__endings", "Normalize"), "fallback.example");
        assertThat(s.hostname()).isEqualTo("fallback.example");
        assertThat(s.normalizeBareLineEndings()).isTrue();
        assertThat(s.port()).isEqualTo(25);
        assertThat(s.maxMessageSize()).isEqualTo(36700160L);
        assertThat(s.filterTimeoutMillis()).isEqualTo(30000L);
    }

    @Test
    void tlsAndAuthKeysAreRead() {
        ListenerSettings defaults = ListenerSettings.from(config(), "h.example");
        assertThat(defaults.tls()).isEqualTo(ListenerSettings.Tls.STARTTLS);
        assertThat(defaults.authRequired()).isFalse();
        assertThat(defaults.senderLoginMatch()).isTrue();
        assertThat(ListenerSettings.from(config("sender__login__match", false), "h")
                        .senderLoginMatch())
                .as("the sender check cannot be turned off")
                .isTrue();
        assertThatThrownBy(() -> ListenerSettings.from(config("auth", false, "auth__required", true), "h"))
                .hasMessageStartingWith("auth must be true when auth_required is true");
        assertThat(defaults.auth()).isTrue();
        assertThat(defaults.hopcountLimit()).isEqualTo(50);
        assertThat(defaults.clientIpv4PrefixLength()).isEqualTo(32);
        assertThat(defaults.clientIpv6PrefixLength()).isEqualTo(64);
        assertThat(defaults.clientLimitExceptions().relayHosts()).isTrue();
        assertThat(ListenerSettings.from(
                                config("client__limit__exceptions", new String[] {"relay_hosts, 192.0.2.0/24"}), "h")
                        .clientLimitExceptions()
                        .networks())
                .containsExactly(org.karavel.api.net.CidrBlock.parse("192.0.2.0/24"));
        assertThatThrownBy(() ->
                        ListenerSettings.from(config("client__limit__exceptions", new String[] {"mynetworks"}), "h"))
                .hasMessageStartingWith("client_limit_exceptions must be relay_hosts or networks");
        assertThatThrownBy(() -> ListenerSettings.from(config("client__ipv6__prefix__length", 129), "h"))
                .hasMessageStartingWith("client_ipv6_prefix_length must be 16 to 128");
        assertThat(defaults.authMaxFailures()).isEqualTo(5);
        assertThat(defaults.authFailureWindowSeconds()).isEqualTo(300);
        ListenerSettings submission = ListenerSettings.from(
                config(
                        "tls",
                        " Required ",
                        "auth__required",
                        true,
                        "sender__login__match",
                        true,
                        "auth__max__failures",
                        3,
                        "auth__failure__window__seconds",
                        60),
                "h.example");
        assertThat(submission.tls()).isEqualTo(ListenerSettings.Tls.REQUIRED);
        assertThat(submission.authRequired()).isTrue();
        assertThat(submission.senderLoginMatch()).isTrue();
        assertThat(submission.authMaxFailures()).isEqualTo(3);
        assertThat(submission.authFailureWindowSeconds()).isEqualTo(60);
        assertThat(ListenerSettings.from(config("tls", "implicit"), "h.example").tls())
                .isEqualTo(ListenerSettings.Tls.IMPLICIT);
        assertThatThrownBy(() -> ListenerSettings.from(config("tls", "always"), "h.example"))
                .hasMessageStartingWith("tls must be none, starttls, required or implicit");
        assertThatThrownBy(() -> ListenerSettings.from(config("auth__max__failures", 0), "h.example"))
                .hasMessageStartingWith("auth_max_failures must be positive");
    }

    @Test
    void theDefaultAddressIsEveryIpv4AndIpv6AddressAndSeveralMayBeListed() throws Exception {
        assertThat(ListenerConfig.class.getMethod("address").getDefaultValue()).isEqualTo("::");
        assertThat(ListenerSettings.builder("h.example").build().addresses()).containsExactly("::");
        ListenerSettings two = ListenerSettings.from(config("address", " 127.0.0.1, ::1 "), "h.example");
        assertThat(two.addresses()).containsExactly("127.0.0.1", "::1");
        assertThat(two.sameSocket(ListenerSettings.from(config("address", "127.0.0.1,::1"), "h.example")))
                .isTrue();
        assertThat(two.sameSocket(ListenerSettings.from(config("address", "127.0.0.1"), "h.example")))
                .isFalse();
        assertThatThrownBy(() -> ListenerSettings.from(config("address", "127.0.0.1, localhost"), "h.example"))
                .hasMessageStartingWith("address must be IP addresses, comma-separated");
        assertThat(ListenerComponent.bindFailure(
                        "127.0.0.1, ::1", 2525, new BindException("Address already in use"), "x.cfg"))
                .startsWith("Cannot listen on 127.0.0.1:2525, [::1]:2525: Address already in use");
    }

    @Test
    void aListenerOnIpv4AndIpv6LoopbackServesClientsOfBoth() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        ListenerComponent component = new ListenerComponent();
        component.activate(config("address", "127.0.0.1, ::1", "port", port), FROM_FILE);
        try {
            assertThat(component.detail())
                    .startsWith("listening on ")
                    .contains("127.0.0.1:" + port)
                    .contains("[" + InetAddress.getByName("::1").getHostAddress() + "]:" + port);
            for (String client : new String[] {"127.0.0.1", "::1"}) {
                try (SmtpTestClient c =
                        SmtpTestClient.from(client, new InetSocketAddress(InetAddress.getByName(client), port))) {
                    assertThat(c.reply()).startsWith("220 mx.test.example ESMTP");
                    assertThat(c.command("EHLO client.example")).startsWith("250-mx.test.example");
                }
            }
        } finally {
            component.deactivate();
        }
    }

    @Test
    void aRebindReleasesTheConnectionsOfTheOldSocket() throws Exception {
        ListenerComponent component = new ListenerComponent();
        component.activate(config("name", "rebind", "port", 0), FROM_FILE);
        SmtpListener old = component.listener();
        List<SmtpTestClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                SmtpTestClient c = new SmtpTestClient(old.localAddress());
                open.add(c);
                assertThat(c.reply()).startsWith("220 ");
            }
            assertThat(old.connectionCount()).isEqualTo(5);
            component.modified(config("name", "rebind", "port", 0, "address", "127.0.0.1, ::1"), FROM_FILE);
            for (SmtpTestClient c : open) {
                assertThat(c.reply()).isEqualTo("421 4.3.2 mx.test.example Service shutting down");
            }
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> old.connectionCount() == 0 && old.clientNetworks() == 0);
            assertThat(component.listener()).isNotSameAs(old);
            assertThat(SmtpCounters.BUNDLE.metrics())
                    .filteredOn(m -> m.name().equals("karavel_smtp_connections"))
                    .singleElement()
                    .satisfies(m -> assertThat(m.samples())
                            .filteredOn(x -> "rebind".equals(x.labels().get("listener")))
                            .singleElement()
                            .satisfies(x -> assertThat(x.value()).isZero()));
        } finally {
            open.forEach(SmtpTestClient::close);
            component.deactivate();
        }
    }
}
