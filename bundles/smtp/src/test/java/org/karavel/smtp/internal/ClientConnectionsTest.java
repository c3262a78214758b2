package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-client count groups IPv6 clients by /64: the addresses of one /64 share one limit. (The
 * kernel lets a test bind only ::1 on loopback, so the grouping is shown here on the real class;
 * ClientLimitsTest shows the same over sockets with IPv4 grouped by /24.)
 */
class ClientConnectionsTest {
    private final ListenerSettings settings =
            ListenerSettings.builder("mx.test.example").maxConnectionsPerIp(20).build();
    private final ClientConnections connections = new ClientConnections();

    private ClientConnections.Connection open(String client) throws Exception {
        InetAddress ip = InetAddress.getByName(client);
        return connections.open(
                settings.clientNetwork(ip), settings.clientLimitExceptions().exempt(ip, null));
    }

    @Test
    void twentyAddressesOfOneSlash64AreOneClient() throws Exception {
        List<ClientConnections.Connection> open = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            ClientConnections.Connection c = open("2001:db8:1:2:" + Integer.toHexString(i * 0x101) + "::1");
            assertThat(c.overLimit(settings)).isFalse();
            open.add(c);
        }
        ClientConnections.Connection oneMore = open("2001:db8:1:2:ffff:ffff:ffff:ffff");
        assertThat(oneMore.overLimit(settings)).isTrue();
        assertThat(open("2001:db8:1:3::1").overLimit(settings))
                .as("the next /64 is another client")
                .isFalse();
        assertThat(connections.from(settings.clientNetwork(InetAddress.getByName("2001:db8:1:2::abcd"))))
                .isEqualTo(21);

        oneMore.release();
        oneMore.release(); // released once, however often it is called
        open.get(0).release();
        assertThat(connections.total()).isEqualTo(20);
        assertThat(open("2001:db8:1:2::7").overLimit(settings)).isFalse();
    }

    @Test
    void theEntryOfANetworkGoesWithItsLastConnection() throws Exception {
        ClientConnections.Connection a = open("192.0.2.1");
        ClientConnections.Connection b = open("192.0.2.1");
        assertThat(connections.networks()).isEqualTo(1);
        a.release();
        b.release();
        assertThat(connections.networks()).isZero();
        assertThat(connections.total()).isZero();
    }
}
