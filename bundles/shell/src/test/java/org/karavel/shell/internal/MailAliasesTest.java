package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.junit.jupiter.api.Test;
import org.karavel.api.recipient.Alias;
import org.karavel.api.recipient.AliasAdmin;

class MailAliasesTest {
    /** Keeps aliases in a map; refuses what the auth bundle refuses (no '@'). */
    private static final class MapAliasAdmin implements AliasAdmin {
        final Map<String, List<String>> aliases = new TreeMap<>();

        @Override
        public List<Alias> aliases() {
            return aliases.entrySet().stream()
                    .map(e -> new Alias(e.getKey(), e.getValue()))
                    .toList();
        }

        @Override
        public void add(String address, List<String> targets) {
            if (!address.contains("@")) {
                throw new IllegalArgumentException("'" + address + "' is neither user@domain nor @domain");
            }
            List<String> t = aliases.computeIfAbsent(address, a -> new ArrayList<>());
            targets.stream().filter(x -> !t.contains(x)).forEach(t::add);
        }

        @Override
        public boolean remove(String address, List<String> targets) {
            List<String> t = aliases.get(address);
            if (t == null) {
                return false;
            }
            if (targets.isEmpty()) {
                aliases.remove(address);
                return true;
            }
            boolean changed = t.removeAll(targets);
            if (t.isEmpty()) {
                aliases.remove(address);
            }
            return changed;
        }
    }

    private final MapAliasAdmin admin = new MapAliasAdmin();
    private final MailAliases aliases = new MailAliases(admin);
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @Test
    void addListRemove() {
        assertThat(aliases.list(out)).isZero();
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).contains("No aliases.");
        assertThat(aliases.add("sales@example.com", List.of("alice@example.com", "partner@remote.example"), out, err))
                .isTrue();
        assertThat(aliases.add("@example.com", List.of("postmaster@example.com"), out, err))
                .isTrue();
        outBytes.reset();
        assertThat(aliases.list(out)).isEqualTo(2);
        assertThat(outBytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("@example.com       -> postmaster@example.com\n"
                        + "sales@example.com  -> alice@example.com, partner@remote.example\n");
        assertThat(aliases.remove("sales@example.com", List.of("partner@remote.example"), out, err))
                .isTrue();
        assertThat(admin.aliases.get("sales@example.com")).containsExactly("alice@example.com");
        assertThat(aliases.remove("@example.com", List.of(), out, err)).isTrue();
        assertThat(aliases.remove("@example.com", List.of(), out, err)).isFalse();
        assertThat(aliases.add("no-domain", List.of("alice@example.com"), out, err))
                .isFalse();
        assertThat(errBytes.toString(StandardCharsets.UTF_8))
                .contains("alias-remove: @example.com: no such alias")
                .contains("alias-add: no-domain: 'no-domain' is neither user@domain nor @domain");
    }

    @Test
    void commandsAreRegisteredInScopeMta() {
        for (Class<?> c : List.of(AliasListCommand.class, AliasAddCommand.class, AliasRemoveCommand.class)) {
            assertThat(c.getAnnotation(Command.class).scope()).isEqualTo("mta");
            assertThat(c.getAnnotation(Command.class).name()).startsWith("alias-");
            assertThat(c.isAnnotationPresent(Service.class)).isTrue();
        }
        assertThat(List.of(AliasAddCommand.class.getDeclaredFields()))
                .filteredOn(f -> f.isAnnotationPresent(Argument.class))
                .extracting(f -> f.getAnnotation(Argument.class).name())
                .containsExactly("address", "targets");
    }
}
