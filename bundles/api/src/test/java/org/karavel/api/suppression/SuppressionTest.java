package org.karavel.api.suppression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SuppressionTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    @Test
    void addressesAreComparedInLowerCaseWithAsciiDomains() {
        assertThat(Suppression.key("Bob@Example.COM")).isEqualTo("bob@example.com");
        assertThat(Suppression.key(" <bob@example.com> ")).isEqualTo("bob@example.com");
        assertThat(Suppression.key("jörg@Bücher.example")).isEqualTo("jörg@xn--bcher-kva.example");
    }

    @Test
    void badValuesNameTheirField() {
        assertThatThrownBy(() -> Suppression.key("")).hasMessageStartingWith("address: missing");
        assertThatThrownBy(() -> Suppression.key("not an address")).hasMessageStartingWith("address: ");
        assertThatThrownBy(() -> Suppression.key("<>")).hasMessageStartingWith("address: ");
        assertThatThrownBy(() -> new Suppression("a@b.example", "", "Bad Category", NOW, null, ""))
                .hasMessageStartingWith("category: ");
        assertThatThrownBy(() -> new Suppression("a@b.example", "", "x", NOW, null, "two words"))
                .hasMessageStartingWith("source: ");
    }

    @Test
    void theReasonIsOneBoundedLine() {
        Suppression s = new Suppression("a@b.example", "550 5.1.1 no\r\nsuch user", "invalid_recipient", NOW, null, "");
        assertThat(s.reason()).isEqualTo("550 5.1.1 no  such user");
        Suppression longOne = new Suppression("a@b.example", "x".repeat(2000), "x", NOW, null, "");
        assertThat(longOne.reason()).hasSize(Suppression.MAX_REASON);
    }

    @Test
    void expiryIsInclusiveAndNullMeansNever() {
        Suppression forever = Suppression.manual("a@b.example", "asked", NOW, null, "shell");
        assertThat(forever.expiredAt(NOW.plusSeconds(1_000_000_000))).isFalse();
        assertThat(forever.category()).isEqualTo(Suppression.MANUAL);
        Suppression day = forever.withExpires(NOW.plusSeconds(86_400));
        assertThat(day.expiredAt(NOW.plusSeconds(86_399))).isFalse();
        assertThat(day.expiredAt(NOW.plusSeconds(86_400))).isTrue();
        assertThat(day.expiry()).contains(NOW.plusSeconds(86_400));
    }

    @Test
    void queriesFilterByTextAndCategoryAndCheckTheLimit() {
        Suppression s = new Suppression("bob@example.com", "", "invalid_recipient", NOW, null, "");
        assertThat(new SuppressionQuery("@EXAMPLE.com", "", "", 10).matches(s)).isTrue();
        assertThat(new SuppressionQuery("", "bad_domain", "", 10).matches(s)).isFalse();
        assertThatThrownBy(() -> new SuppressionQuery("", "", "", 0)).hasMessageStartingWith("limit: ");
        assertThatThrownBy(() -> new SuppressionQuery("", "", "", SuppressionQuery.MAX_LIMIT + 1))
                .hasMessageStartingWith("limit: ");
    }
}
