package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrailingOptionsTest {
    private static final Set<String> VALUED = Set.of("--algorithm", "-a", "--bits");

    @Test
    void optionsAfterTheArgumentsAreSplitOff() {
        TrailingOptions t =
                TrailingOptions.parse(List.of("example.com", "sel", "--algorithm", "ed25519", "--bits=4096"), VALUED);

        assertThat(t.arguments()).containsExactly("example.com", "sel");
        assertThat(t.option("rsa", "--algorithm", "-a")).isEqualTo("ed25519");
        assertThat(t.option("2048", "--bits")).isEqualTo("4096");
        assertThat(TrailingOptions.parse(List.of("example.com", "-a", "rsa"), VALUED)
                        .option("x", "--algorithm", "-a"))
                .isEqualTo("rsa");
    }

    @Test
    void unknownOrIncompleteOptionsAreRefused() {
        assertThatThrownBy(() -> TrailingOptions.parse(List.of("example.com", "--force"), VALUED))
                .hasMessage("unknown option --force");
        assertThatThrownBy(() -> TrailingOptions.parse(List.of("example.com", "--bits"), VALUED))
                .hasMessage("option --bits needs a value");
    }
}
