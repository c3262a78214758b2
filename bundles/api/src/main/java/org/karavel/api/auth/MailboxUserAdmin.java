package org.karavel.api.auth;

import java.io.IOException;
import java.util.List;

/**
 * Changes to the user list, for administration (the {@code mta:user-*} shell commands). Passwords
 * given here are hashed with the configured default scheme before they are stored; they are never
 * logged. Callers should zero the {@code char[]} afterwards.
 */
public interface MailboxUserAdmin {
    /** The user names, sorted. */
    List<String> list();

    /**
     * Adds a user.
     *
     * @throws IllegalArgumentException if the user exists already or the name is not valid
     * @throws IOException if the user file cannot be written
     */
    void add(String user, char[] password) throws IOException;

    /**
     * Sets the password of an existing user.
     *
     * @throws IllegalArgumentException if there is no such user
     * @throws IOException if the user file cannot be written
     */
    void setPassword(String user, char[] password) throws IOException;

    /**
     * Removes a user.
     *
     * @return false if there was no such user
     * @throws IOException if the user file cannot be written
     */
    boolean remove(String user) throws IOException;
}
