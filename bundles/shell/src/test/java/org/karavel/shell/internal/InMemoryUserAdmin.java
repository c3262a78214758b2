package org.karavel.shell.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.karavel.api.auth.MailboxUserAdmin;

/** Users in a map; keeps the passwords in clear so that tests can check what was handed over. */
final class InMemoryUserAdmin implements MailboxUserAdmin {
    final Map<String, String> passwords = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    /** The arrays received, to check that the caller zeroed them afterwards. */
    final List<char[]> received = new ArrayList<>();

    @Override
    public List<String> list() {
        return new ArrayList<>(passwords.keySet());
    }

    @Override
    public void add(String user, char[] password) throws IOException {
        if (passwords.containsKey(user)) {
            throw new IllegalArgumentException("user " + user + " exists already");
        }
        received.add(password);
        passwords.put(user, new String(password));
    }

    @Override
    public void setPassword(String user, char[] password) throws IOException {
        if (!passwords.containsKey(user)) {
            throw new IllegalArgumentException("no such user: " + user);
        }
        received.add(password);
        passwords.put(user, new String(password));
    }

    @Override
    public boolean remove(String user) {
        return passwords.remove(user) != null;
    }
}
