/** Tab completion for the {@code mta} commands: queue ids from the spool. */
package org.karavel.shell.internal.completers;
