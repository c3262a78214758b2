package org.karavel.auth.internal;

/** One user of the passwd-file: the name as written and the stored hash with its scheme. */
record PasswdEntry(String user, PasswordScheme scheme, String hash) {
    @Override
    public String toString() {
        // never the hash, so that an entry can be logged safely
        return user + " {" + scheme.dovecotName() + "}";
    }
}
