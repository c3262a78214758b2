/**
 * SMTP AUTH backend: users and password hashes from a Dovecot passwd-file (SHA512-CRYPT,
 * SHA256-CRYPT, BLF-CRYPT, ARGON2ID), sender aliases, atomic rewrites for the shell commands.
 * It must never log a password or a hash, never compare hashes in variable time, and never hash
 * on the caller's thread.
 */
package org.karavel.auth.internal;
