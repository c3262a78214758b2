package org.karavel.api.recipient;

import java.io.IOException;
import java.util.List;

/**
 * Changes to the virtual alias file, for administration ({@code mta:alias-*}, the admin API). A
 * change is written atomically and applies to the next message.
 */
public interface AliasAdmin {
    /** Every alias, sorted by address. */
    List<Alias> aliases();

    /**
     * Adds targets to an alias, creating it when it does not exist (targets it has already are kept once).
     *
     * @throws IllegalArgumentException if the address or a target is not {@code user@domain} or
     *     {@code @domain}, or no targets are given
     * @throws IllegalStateException if no alias file is configured
     * @throws IOException if the file cannot be written
     */
    void add(String address, List<String> targets) throws IOException;

    /**
     * Removes targets from an alias, or the whole alias when {@code targets} is empty; an alias left
     * without targets is removed.
     *
     * @return false if nothing was removed
     * @throws IOException if the file cannot be written
     */
    boolean remove(String address, List<String> targets) throws IOException;
}
