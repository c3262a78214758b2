package org.karavel.shell.internal.completers;

import java.util.List;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;

/** Completes queue ids from the messages now in the spool. */
@Service
public class QueueIdCompleter implements Completer {
    static final int MAX_IDS = 1_000;

    @Reference(optional = true)
    Spool spool;

    public QueueIdCompleter() {}

    /** For tests. */
    public QueueIdCompleter(Spool spool) {
        this.spool = spool;
    }

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> ids = new TreeSet<>();
        // the oldest messages' ids only: completing must not read a million records
        for (QueuedMessage m : spool == null
                ? List.<QueuedMessage>of()
                : spool.page(null, null, MAX_IDS).messages()) {
            ids.add(m.id().value());
        }
        return new StringsCompleter(ids).complete(session, commandLine, candidates);
    }
}
