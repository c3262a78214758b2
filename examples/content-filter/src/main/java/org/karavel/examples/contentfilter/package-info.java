/**
 * An example filter bundle for Karavel operators: copy it, change the rules, build, drop the jar
 * into {@code deploy/}. It only reads the message and answers a verdict; it must never block the
 * caller's thread, keep message content after the stage, or accept mail on its own account.
 * Nothing here is exported: a filter bundle offers a service, not packages.
 */
package org.karavel.examples.contentfilter;
