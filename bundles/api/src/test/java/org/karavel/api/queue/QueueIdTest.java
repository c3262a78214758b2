package org.karavel.api.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QueueIdTest {
    @Test
    void onlyAsciiLettersAndDigitsMakeAnId() {
        assertThat(new QueueId("1M9A0B1C2D3E4F6").value()).isEqualTo("1M9A0B1C2D3E4F6");
        assertThat(new QueueId("V1rec1").value()).isEqualTo("V1rec1");
        for (String bad : new String[] {"", "AB-1", "AB 1", "ÄB1", "AB1\n", "٣"}) {
            assertThatThrownBy(() -> new QueueId(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("alphanumeric");
        }
    }
}
