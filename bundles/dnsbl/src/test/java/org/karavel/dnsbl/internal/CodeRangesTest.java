package org.karavel.dnsbl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodeRangesTest {
    @Test
    void rangesAndSingleCodesMatchOnlyInside() throws Exception {
        CodeRanges r = CodeRanges.parse("127.0.0.2-127.0.0.11, 127.0.0.20");

        assertThat(r.contains(InetAddress.getByName("127.0.0.2"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("127.0.0.11"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("127.0.0.20"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("127.0.0.12"))).isFalse();
        assertThat(r.contains(InetAddress.getByName("127.0.0.1"))).isFalse();
    }

    @Test
    void nameIsRefused() {
        assertThatThrownBy(() -> CodeRanges.parse("localhost")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badCodesAndActionsFallBackToSafeValues() {
        DnsblSettings s = DnsblSettings.from(DnsblFilterTest.config(Map.of(
                "zen_codes", "nonsense", "dbl_action", "rejetc", "pass_list", new String[] {"10.0.0.1/8", "10.0.0.0/8"
                })));

        assertThat(s.zenCodes().toString()).isEqualTo("127.0.0.2-127.0.0.11");
        assertThat(s.dblAction()).isEqualTo(DnsblSettings.Action.HEADER);
        assertThat(s.passList()).hasSize(1);
    }
}
