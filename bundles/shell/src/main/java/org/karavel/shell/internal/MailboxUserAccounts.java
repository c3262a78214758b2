package org.karavel.shell.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.auth.MailboxUserAdmin;

/**
 * What the {@code mta:user-*} commands do, apart from the shell: list, add, change the password of
 * and remove SMTP AUTH users. Passwords are zeroed as soon as they are handed over.
 */
public final class MailboxUserAccounts {
    private final MailboxUserAdmin admin;

    public MailboxUserAccounts(MailboxUserAdmin admin) {
        this.admin = admin;
    }

    /** @return how many users were listed */
    public int list(PrintStream out) {
        List<String> users = admin.list();
        if (users.isEmpty()) {
            out.println("No users.");
        }
        users.forEach(out::println);
        return users.size();
    }

    /** @return whether the user was added */
    public boolean add(String user, PasswordSource source, PrintStream out, PrintStream err) {
        if (!isAddress(user, "user-add", err)) {
            return false;
        }
        if (admin.list().stream().anyMatch(u -> u.equalsIgnoreCase(user))) {
            err.println("user-add: " + user + ": user exists already (use mta:user-passwd)");
            return false;
        }
        char[] password = newPassword(source, "user-add", err);
        if (password == null) {
            return false;
        }
        try {
            admin.add(user, password);
            out.println("User " + user + " added.");
            return true;
        } catch (IOException | IllegalArgumentException e) {
            err.println("user-add: " + user + ": " + e.getMessage());
            return false;
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** @return whether the password was changed */
    public boolean passwd(String user, PasswordSource source, PrintStream out, PrintStream err) {
        if (admin.list().stream().noneMatch(u -> u.equalsIgnoreCase(user))) {
            err.println("user-passwd: " + user + ": no such user");
            return false;
        }
        char[] password = newPassword(source, "user-passwd", err);
        if (password == null) {
            return false;
        }
        try {
            admin.setPassword(user, password);
            out.println("Password of " + user + " changed.");
            return true;
        } catch (IOException | IllegalArgumentException e) {
            err.println("user-passwd: " + user + ": " + e.getMessage());
            return false;
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** @return whether the user was removed */
    public boolean remove(String user, PrintStream out, PrintStream err) {
        try {
            if (admin.remove(user)) {
                out.println("User " + user + " removed.");
                return true;
            }
            err.println("user-remove: " + user + ": no such user");
        } catch (IOException e) {
            err.println("user-remove: " + user + ": " + e.getMessage());
        }
        return false;
    }

    private static boolean isAddress(String user, String command, PrintStream err) {
        try {
            MailAddress.parse(user);
            return true;
        } catch (AddressSyntaxException e) {
            err.println(command + ": " + user + ": not a mail address (" + e.getMessage() + ")");
            return false;
        }
    }

    /** The new password, asked twice when typed; null (after a message) when missing or mistyped. */
    private static char[] newPassword(PasswordSource source, String command, PrintStream err) {
        char[] first = null;
        char[] second = null;
        try {
            first = source.read("New password: ");
            if (first == null || first.length == 0) {
                err.println(command + ": no password given");
                return null;
            }
            if (!source.interactive()) {
                char[] result = first;
                first = null;
                return result;
            }
            second = source.read("Retype new password: ");
            if (second == null || !Arrays.equals(first, second)) {
                err.println(command + ": the passwords do not match");
                return null;
            }
            char[] result = first;
            first = null;
            return result;
        } catch (IOException e) {
            err.println(command + ": cannot read the password: " + e.getMessage());
            return null;
        } finally {
            if (first != null) {
                Arrays.fill(first, '\0');
            }
            if (second != null) {
                Arrays.fill(second, '\0');
            }
        }
    }
}
