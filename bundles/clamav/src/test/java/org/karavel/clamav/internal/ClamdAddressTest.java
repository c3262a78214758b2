package org.karavel.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ClamdAddressTest {
    @Test
    void unixSocket() {
        ClamdAddress a = ClamdAddress.parse("unix:/run/clamav/clamd.ctl");
        assertThat(a.unix()).isTrue();
        assertThat(a.path()).isEqualTo(Path.of("/run/clamav/clamd.ctl"));
        assertThat(a).hasToString("unix:/run/clamav/clamd.ctl");
    }

    @Test
    void tcpHostAndPort() {
        ClamdAddress a = ClamdAddress.parse(" tcp:127.0.0.1:3310 ");
        assertThat(a.unix()).isFalse();
        assertThat(a.host()).isEqualTo("127.0.0.1");
        assertThat(a.port()).isEqualTo(3310);
        assertThat(a).hasToString("tcp:127.0.0.1:3310");
    }

    @Test
    void tcpIpv6InBrackets() {
        ClamdAddress a = ClamdAddress.parse("tcp:[::1]:3310");
        assertThat(a.host()).isEqualTo("::1");
        assertThat(a).hasToString("tcp:[::1]:3310");
    }

    @Test
    void refusesWhatItCannotUse() {
        for (String bad : new String[] {"", "127.0.0.1:3310", "unix:", "tcp:host", "tcp::3310", "tcp:h:0", "tcp:h:x"}) {
            assertThatThrownBy(() -> ClamdAddress.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
