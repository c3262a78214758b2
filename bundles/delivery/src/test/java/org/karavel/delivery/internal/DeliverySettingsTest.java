package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeliverySettingsTest {
    /** A DeliveryConfig with the annotation defaults, except the given values. */
    static DeliveryConfig config(Map<String, Object> values) {
        return (DeliveryConfig) Proxy.newProxyInstance(
                DeliveryConfig.class.getClassLoader(),
                new Class<?>[] {DeliveryConfig.class},
                (proxy, method, args) ->
                        values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
    }

    @Test
    void delayWarningTimeIsWrittenAsPostfixDoesAndABadValueKeepsTheDefault() {
        assertThat(DeliverySettings.from(config(Map.of()), "d", "h").delayWarningTime())
                .isEqualTo(Duration.ofHours(4));
        assertThat(DeliverySettings.from(config(Map.of()), "d", "h").dsnReturnLimit())
                .isEqualTo(102_400);
        assertThat(DeliverySettings.delayWarningTime("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DeliverySettings.delayWarningTime("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(DeliverySettings.delayWarningTime("2")).isEqualTo(Duration.ofHours(2));
        assertThat(DeliverySettings.delayWarningTime("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(DeliverySettings.delayWarningTime("1w")).isEqualTo(Duration.ofDays(7));
        assertThat(DeliverySettings.delayWarningTime("0")).isZero();
        assertThat(DeliverySettings.delayWarningTime("soon")).isEqualTo(Duration.ofHours(4));
        assertThat(DeliverySettings.delayWarningTime("-1h")).isEqualTo(Duration.ofHours(4));
    }

    @Test
    void defaultsAreClosetoPostfix() {
        DeliverySettings s = DeliverySettings.from(config(Map.of()), "/opt/karavel/data", "mx.host.test");
        assertThat(s.remotePort()).isEqualTo(25);
        assertThat(s.smarthost()).isNull();
        assertThat(s.heloName()).isEqualTo("mx.host.test");
        assertThat(s.maxConnections()).isEqualTo(100);
        assertThat(s.maxConnectionsPerDestination()).isEqualTo(20);
        assertThat(s.maxMessagesPerConnection()).isEqualTo(100);
        assertThat(s.connectionIdle()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.replyTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(s.dataDoneTimeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(s.minBackoff()).isEqualTo(Duration.ofSeconds(300));
        assertThat(s.maxBackoff()).isEqualTo(Duration.ofSeconds(14400));
        assertThat(s.maxQueueLifetime()).isEqualTo(Duration.ofDays(5));
        assertThat(s.lmtp()).isNull();
        assertThat(s.maildirRoot()).isEqualTo(Path.of("/opt/karavel/data/mail"));
        assertThat(s.recipientDelimiter()).isEqualTo("+");
        assertThat(s.scanInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.transactionTimeout()).isEqualTo(Duration.ofSeconds(1800));
        assertThat(s.hopcountLimit()).isEqualTo(50);
        assertThat(s.proxyInterfaces()).isEmpty();
        assertThat(s.addressFamilies()).isEqualTo(AddressFamilies.DEFAULT);
        assertThat(s.addressFamilies().preference()).isEqualTo(AddressFamilies.Preference.ANY);
    }

    @Test
    void loopAndFamilySettingsAreParsedAndBadValuesNamed() throws Exception {
        DeliverySettings s = DeliverySettings.from(
                config(Map.of(
                        "inet__protocols",
                        "IPv4",
                        "address__preference",
                        "ipv6",
                        "hopcount__limit",
                        30,
                        "proxy__interfaces",
                        "192.0.2.7, [2001:db8::7]",
                        "transaction__timeout__seconds",
                        60)),
                null,
                "mx.host.test");
        assertThat(s.addressFamilies())
                .isEqualTo(new AddressFamilies(AddressFamilies.Protocols.IPV4, AddressFamilies.Preference.IPV6));
        assertThat(s.hopcountLimit()).isEqualTo(30);
        assertThat(s.proxyInterfaces())
                .containsExactlyInAnyOrder(InetAddress.getByName("192.0.2.7"), InetAddress.getByName("2001:db8::7"));
        assertThat(s.transactionTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThatThrownBy(() -> DeliverySettings.from(config(Map.of("inet__protocols", "ipv5")), null, "h"))
                .hasMessageContaining("inet_protocols");
        assertThatThrownBy(() -> DeliverySettings.from(config(Map.of("address__preference", "both")), null, "h"))
                .hasMessageContaining("address_preference");
        assertThatThrownBy(
                        () -> DeliverySettings.from(config(Map.of("proxy__interfaces", "gateway.example")), null, "h"))
                .hasMessageContaining("proxy_interfaces");
    }

    @Test
    void smarthostAndLmtpAreParsed() {
        DeliverySettings s = DeliverySettings.from(
                config(Map.of(
                        "smarthost",
                        "[relay.test]:587",
                        "local__transport",
                        "lmtp:127.0.0.1:24",
                        "helo__name",
                        "out.test")),
                null,
                "ignored");
        assertThat(s.smarthost()).isEqualTo(new NextHop("relay.test", 587, false));
        assertThat(s.lmtp()).isEqualTo(new NextHop("127.0.0.1", 24, false));
        assertThat(s.heloName()).isEqualTo("out.test");
    }

    @Test
    void nextHopForms() {
        assertThat(NextHop.parse("relay.test", 25)).isEqualTo(new NextHop("relay.test", 25, true));
        assertThat(NextHop.parse("Relay.Test:2525", 25)).isEqualTo(new NextHop("relay.test", 2525, true));
        assertThat(NextHop.parse("[relay.test]", 25)).isEqualTo(new NextHop("relay.test", 25, false));
        assertThat(NextHop.parse("192.0.2.1:26", 25)).isEqualTo(new NextHop("192.0.2.1", 26, false));
        assertThat(NextHop.parse("[::1]:24", 25)).isEqualTo(new NextHop("::1", 24, false));
        for (String bad : List.of("", "host:port", "::1", "[]:25", "host:0", "a/b:25")) {
            assertThatThrownBy(() -> NextHop.parse(bad, 25)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> DeliverySettings.builder().localTransport("mbox"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void repliesAreReadIntoStatusAndOneLine() {
        SmtpReply multi = new SmtpReply(550, List.of("5.1.1 <a@b.test>: unknown", "5.1.1 see https://help.test"));
        assertThat(multi.status()).isEqualTo("5.1.1");
        assertThat(multi.text()).isEqualTo("550 5.1.1 <a@b.test>: unknown see https://help.test");
        assertThat(new SmtpReply(451, List.of("try later")).status()).isEqualTo("4.0.0");
        assertThat(new SmtpReply(354, List.of("go")).isPositive()).isFalse();
        assertThat(SmtpReply.statusOfText("452 4.2.2 full")).isEqualTo("4.2.2");
    }
}
