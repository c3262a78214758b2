package org.karavel.shell.internal.completers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.console.CommandLine;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.MemorySpool;

class QueueIdCompleterTest {
    private static QueuedMessage message(String id) throws Exception {
        MailAddress r = MailAddress.parse("x@b.example");
        Envelope e = new Envelope(
                MailAddress.parse("a@example.com"), List.of(r), Map.of(), Instant.EPOCH, "", "", "local", "");
        return new QueuedMessage(new QueueId(id), e, List.of(RecipientStatus.pending(r)), 1, 0, Instant.EPOCH, false);
    }

    /** The command line {@code mta:queue-flush <typed>} with the cursor at its end. */
    private static CommandLine typing(String typed) {
        String buffer = "mta:queue-flush " + typed;
        return new CommandLine() {
            @Override
            public int getCursorArgumentIndex() {
                return 1;
            }

            @Override
            public String getCursorArgument() {
                return typed;
            }

            @Override
            public int getArgumentPosition() {
                return typed.length();
            }

            @Override
            public String[] getArguments() {
                return new String[] {"mta:queue-flush", typed};
            }

            @Override
            public int getBufferPosition() {
                return buffer.length();
            }

            @Override
            public String getBuffer() {
                return buffer;
            }
        };
    }

    @Test
    void completesTheIdsInTheQueue() throws Exception {
        MemorySpool spool = new MemorySpool();
        spool.put(message("3F2A9C1B7D"));
        spool.put(message("3F2B000001"));
        spool.put(message("9ABCDEF012"));
        QueueIdCompleter completer = new QueueIdCompleter(spool);

        List<String> candidates = new ArrayList<>();
        int position = completer.complete(null, typing("3F2"), candidates);
        assertThat(candidates).extracting(String::trim).containsExactlyInAnyOrder("3F2A9C1B7D", "3F2B000001");
        assertThat(position).isGreaterThanOrEqualTo(0);

        List<String> all = new ArrayList<>();
        completer.complete(null, typing(""), all);
        assertThat(all).extracting(String::trim).containsExactlyInAnyOrder("3F2A9C1B7D", "3F2B000001", "9ABCDEF012");
    }

    @Test
    void emptyQueueCompletesNothing() {
        List<String> candidates = new ArrayList<>();
        new QueueIdCompleter(new MemorySpool()).complete(null, typing("A"), candidates);
        assertThat(candidates).isEmpty();
    }
}
