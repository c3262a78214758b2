package org.karavel.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.queue.Spool;
import org.karavel.shell.internal.completers.QueueIdCompleter;

/** {@code mta:queue-delete}: removes messages without a bounce, like {@code postsuper -d}. */
@Command(
        scope = "mta",
        name = "queue-delete",
        description = "Deletes queued messages without telling the sender (use queue-bounce to tell them)")
@Service
public class QueueDeleteCommand implements Action {
    @Reference(optional = true)
    Spool spool;

    @Argument(
            index = 0,
            name = "ids",
            description = "Queue ids of the messages to delete",
            required = true,
            multiValued = true)
    @Completion(QueueIdCompleter.class)
    List<String> ids;

    @Override
    public Object execute() {
        if (spool == null) {
            System.err.println("The spool bundle (org.karavel.spool) is not running.");
            return null;
        }
        new QueueDelete(spool).delete(ids, System.out, System.err);
        return null;
    }
}
