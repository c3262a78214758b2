package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.junit.jupiter.api.Test;

class MailboxUserAccountsTest {
    private final InMemoryUserAdmin admin = new InMemoryUserAdmin();
    private final MailboxUserAccounts accounts = new MailboxUserAccounts(admin);
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    /** A person at the terminal typing these lines in turn. */
    static PasswordSource typed(String... lines) {
        Deque<String> queue = new ArrayDeque<>(List.of(lines));
        return new PasswordSource() {
            @Override
            public char[] read(String prompt) {
                String l = queue.poll();
                return l == null ? null : l.toCharArray();
            }

            @Override
            public boolean interactive() {
                return true;
            }
        };
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void addAsksTwiceAndZeroesThePassword() {
        assertThat(accounts.add("alice@example.com", typed("s3cret", "s3cret"), out, err))
                .isTrue();
        assertThat(admin.passwords).containsEntry("alice@example.com", "s3cret");
        assertThat(admin.received.get(0)).containsOnly('\0');
        assertThat(out()).contains("User alice@example.com added.").doesNotContain("s3cret");
        accounts.list(out);
        assertThat(out()).contains("alice@example.com\n");
    }

    @Test
    void mistypedConfirmationChangesNothing() {
        assertThat(accounts.add("alice@example.com", typed("s3cret", "s3cert"), out, err))
                .isFalse();
        assertThat(admin.passwords).isEmpty();
        assertThat(err()).contains("do not match").doesNotContain("s3c");
    }

    @Test
    void refusesBadNamesExistingUsersAndEmptyPasswords() {
        assertThat(accounts.add("not an address", typed("a", "a"), out, err)).isFalse();
        assertThat(accounts.add("bob@example.com", typed(""), out, err)).isFalse();
        admin.passwords.put("carol@example.com", "x");
        assertThat(accounts.add("CAROL@example.com", typed("a", "a"), out, err)).isFalse();
        assertThat(accounts.passwd("ghost@example.com", typed("a", "a"), out, err))
                .isFalse();
        assertThat(err())
                .contains("not a mail address")
                .contains("no password given")
                .contains("exists already")
                .contains("no such user");
        assertThat(admin.passwords).containsOnlyKeys("carol@example.com");
    }

    @Test
    void passwdFromStdinAndRemove() {
        admin.passwords.put("alice@example.com", "old");
        InputStream in = new ByteArrayInputStream("new pässword\r\nignored\n".getBytes(StandardCharsets.UTF_8));
        assertThat(accounts.passwd("alice@example.com", PasswordSource.firstLineOf(in), out, err))
                .isTrue();
        assertThat(admin.passwords).containsEntry("alice@example.com", "new pässword");
        assertThat(accounts.remove("alice@example.com", out, err)).isTrue();
        assertThat(accounts.remove("alice@example.com", out, err)).isFalse();
        assertThat(out())
                .contains("Password of alice@example.com changed.")
                .contains("User alice@example.com removed.");
        assertThat(err()).contains("no such user");
        accounts.list(out);
        assertThat(out()).contains("No users.");
    }

    @Test
    void commandsAreRegisteredAndTakeNoPasswordArgument() throws Exception {
        for (Class<?> c : List.of(
                UserListCommand.class, UserAddCommand.class, UserPasswdCommand.class, UserRemoveCommand.class)) {
            assertThat(c.getAnnotation(Command.class).scope()).isEqualTo("mta");
            assertThat(c.isAnnotationPresent(Service.class)).isTrue();
            for (Field f : allFields(c)) {
                Argument a = f.getAnnotation(Argument.class);
                if (a != null) {
                    assertThat(a.name()).isEqualTo("user");
                    assertThat(a.multiValued()).isFalse();
                }
            }
        }
        assertThat(PasswordCommand.class
                        .getDeclaredField("stdin")
                        .getAnnotation(Option.class)
                        .name())
                .isEqualTo("--stdin");
        assertThat(UserAddCommand.class.getSuperclass()).isEqualTo(PasswordCommand.class);
        assertThat(UserPasswdCommand.class.getSuperclass()).isEqualTo(PasswordCommand.class);

        // the add command end to end, with the password on standard input
        InputStream originalIn = System.in;
        PrintStream originalOut = System.out;
        try {
            System.setIn(new ByteArrayInputStream("pw1\n".getBytes(StandardCharsets.UTF_8)));
            System.setOut(out);
            UserAddCommand add = new UserAddCommand();
            add.admin = admin;
            add.user = "dave@example.com";
            add.stdin = true;
            assertThat(add.execute()).isNull();
            UserListCommand list = new UserListCommand();
            list.admin = admin;
            list.execute();
        } finally {
            System.setIn(originalIn);
            System.setOut(originalOut);
        }
        assertThat(admin.passwords).containsEntry("dave@example.com", "pw1");
        assertThat(out()).contains("User dave@example.com added.").contains("dave@example.com\n");
    }

    /** The fields Karaf injects into: the class's own and its superclasses'. */
    private static List<Field> allFields(Class<?> c) {
        List<Field> fields = new ArrayList<>();
        for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
            fields.addAll(List.of(k.getDeclaredFields()));
        }
        return fields;
    }
}
