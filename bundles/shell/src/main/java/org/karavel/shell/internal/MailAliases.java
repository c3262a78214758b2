package org.karavel.shell.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.karavel.api.recipient.Alias;
import org.karavel.api.recipient.AliasAdmin;

/** What the {@code mta:alias-*} commands do, apart from the shell: list, add and remove virtual aliases. */
public final class MailAliases {
    private final AliasAdmin admin;

    public MailAliases(AliasAdmin admin) {
        this.admin = admin;
    }

    /** @return how many aliases were listed */
    public int list(PrintStream out) {
        List<Alias> aliases = admin.aliases();
        if (aliases.isEmpty()) {
            out.println("No aliases.");
        }
        int width = aliases.stream().mapToInt(a -> a.address().length()).max().orElse(0);
        for (Alias a : aliases) {
            out.println(String.format("%-" + width + "s  -> %s", a.address(), String.join(", ", a.targets())));
        }
        return aliases.size();
    }

    /** @return whether the file was changed or already held the targets */
    public boolean add(String address, List<String> targets, PrintStream out, PrintStream err) {
        try {
            admin.add(address, targets);
            out.println("Alias " + address + " -> " + String.join(", ", targets) + " added.");
            return true;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            err.println("alias-add: " + address + ": " + e.getMessage());
            return false;
        }
    }

    /** @return whether something was removed */
    public boolean remove(String address, List<String> targets, PrintStream out, PrintStream err) {
        try {
            if (admin.remove(address, targets)) {
                out.println(
                        targets.isEmpty()
                                ? "Alias " + address + " removed."
                                : "Removed " + String.join(", ", targets) + " from alias " + address + ".");
                return true;
            }
            err.println("alias-remove: " + address + ": no such alias" + (targets.isEmpty() ? "" : " or target"));
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            err.println("alias-remove: " + address + ": " + e.getMessage());
        }
        return false;
    }
}
