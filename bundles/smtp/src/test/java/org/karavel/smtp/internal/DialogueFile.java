package org.karavel.smtp.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.Envelope;
import org.karavel.testkit.MemorySpool;

/**
 * One SMTP conversation written down (src/test/resources/dialogues/*.txt), played against an
 * {@link InProcessSession}; the format is in the smtp bundle's README ("Dialogue files").
 *
 * <pre>
 * # what the case checks (comment lines)
 * # settings: max_recipients=2, bare_line_endings=normalize
 * S: 220 mx.test.example ESMTP Karavel   the next reply line is exactly this
 * C: MAIL FROM:&lt;a@example.com&gt;         the client sends this line and CRLF
 * W: BDAT 5\r\nRSET\n                    the client sends these octets, nothing added
 * S^ 250 2.0.0 Ok: queued as             the next reply line starts with this
 * S~ 250 2\.0\.0 Ok: \d+ octets.*        the next reply line matches this regex
 * ! queued 1                             a check of the session, spool or mail log
 * </pre>
 *
 * <p>{@code read_size=N} in the settings makes the server read the client's octets N at a time.
 *
 * <p>Replies are matched in order. Before a block of C:/W: lines every reply so far must have been
 * matched, and so at the end of the file: a reply nobody expected fails the case.
 */
final class DialogueFile {
    /** The settings every dialogue starts from: the listener of SmtpListenerTest. */
    static final String HOST = "mx.test.example";

    private final String name;
    private final List<String> comment = new ArrayList<>();
    private final ListenerSettings settings;
    private final List<Step> steps = new ArrayList<>();
    private int readSize; // 0: each C:/W: line is one read of the server

    private record Step(int line, char kind, String text) {}

    private DialogueFile(String name, List<String> lines) {
        this.name = name;
        ListenerSettings.Builder b =
                ListenerSettings.builder(HOST).name("test").address("127.0.0.1").port(0);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int number = i + 1;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                String text = line.substring(1).strip();
                if (text.startsWith("settings:")) {
                    settings(b, text.substring("settings:".length()), number);
                } else {
                    comment.add(text);
                }
                continue;
            }
            if (line.startsWith("! ")) {
                steps.add(new Step(number, '!', line.substring(2).strip()));
                continue;
            }
            if (line.length() < 2 || (line.length() > 2 && line.charAt(2) != ' ')) {
                throw new IllegalArgumentException(where(number) + "not a dialogue line: " + line);
            }
            String text = line.length() > 3 ? line.substring(3) : "";
            char kind = switch (line.substring(0, 2)) {
                case "C:" -> 'C';
                case "W:" -> 'W';
                case "S:" -> '=';
                case "S^" -> '^';
                case "S~" -> '~';
                default -> throw new IllegalArgumentException(where(number) + "not a dialogue line: " + line);
            };
            steps.add(new Step(number, kind, text));
        }
        if (comment.isEmpty()) {
            throw new IllegalArgumentException(name + ": no # comment line saying what the case checks");
        }
        settings = b.build();
    }

    static DialogueFile read(Path file, String name) throws IOException {
        return new DialogueFile(name, Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** A dialogue written in a test, for the runner's own tests. */
    static DialogueFile of(String name, String... lines) {
        return new DialogueFile(name, List.of(lines));
    }

    String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }

    private String where(int line) {
        return name + ":" + line + ": ";
    }

    private void settings(ListenerSettings.Builder b, String list, int line) {
        for (String pair : list.split(",")) {
            String[] kv = pair.strip().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException(where(line) + "settings are key=value: " + pair);
            }
            String v = kv[1].strip();
            switch (kv[0].strip()) {
                case "read_size" -> readSize = Integer.parseInt(v);
                case "max_message_size" -> b.maxMessageSize(Long.parseLong(v));
                case "max_recipients" -> b.maxRecipients(Integer.parseInt(v));
                case "max_command_line" -> b.maxCommandLine(Integer.parseInt(v));
                case "max_data_line" -> b.maxDataLine(Integer.parseInt(v));
                case "max_errors" -> b.maxErrors(Integer.parseInt(v));
                case "hopcount_limit" -> b.hopcountLimit(Integer.parseInt(v));
                case "bare_line_endings" -> {
                    if (!v.equals("reject") && !v.equals("normalize")) {
                        throw new IllegalArgumentException(where(line) + "bare_line_endings is reject or normalize");
                    }
                    b.normalizeBareLineEndings(v.equals("normalize"));
                }
                default -> throw new IllegalArgumentException(where(line) + "unknown setting " + kv[0]);
            }
        }
    }

    // ---------------------------------------------------------------- running

    /** Plays the dialogue; an AssertionError names the file, the line and shows the transcript. */
    void run() {
        List<String> transcript = new ArrayList<>();
        Deque<String> unmatched = new ArrayDeque<>();
        try (InProcessSession session = new InProcessSession(settings)) {
            collect(session, transcript, unmatched);
            boolean sending = false;
            int last = 0;
            for (Step step : steps) {
                last = step.line();
                switch (step.kind()) {
                    case 'C', 'W' -> {
                        if (!sending && !unmatched.isEmpty()) {
                            fail(step, "a reply no S: line expected: " + unmatched.peek(), transcript);
                        }
                        if (!session.isOpen()) {
                            fail(step, "the server has closed the connection", transcript);
                        }
                        String text = expand(step.text()) + (step.kind() == 'C' ? "\r\n" : "");
                        // C: lines as written in a file, W: with their line ends visible
                        transcript.add(step.kind() + ": " + shown(step.kind() == 'C' ? expand(step.text()) : text));
                        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                        session.send(bytes, readSize > 0 ? readSize : Math.max(1, bytes.length));
                        collect(session, transcript, unmatched);
                        sending = true;
                    }
                    case '=', '^', '~' -> {
                        sending = false;
                        String reply = unmatched.poll();
                        if (reply == null || !matches(step, reply)) {
                            fail(step, "expected " + expectation(step) + "\n  but got   " + reply, transcript);
                        }
                    }
                    default -> {
                        sending = false;
                        check(step, session, transcript);
                    }
                }
            }
            if (!unmatched.isEmpty()) {
                fail(new Step(last, ' ', ""), "a reply no S: line expected: " + unmatched.peek(), transcript);
            }
        }
    }

    private static void collect(InProcessSession session, List<String> transcript, Deque<String> unmatched) {
        for (String reply : session.takeReplies()) {
            transcript.add("S: " + reply);
            unmatched.add(reply);
        }
    }

    private static boolean matches(Step step, String reply) {
        return switch (step.kind()) {
            case '=' -> reply.equals(step.text());
            case '^' -> reply.startsWith(step.text());
            default -> Pattern.compile(step.text()).matcher(reply).matches();
        };
    }

    private static String expectation(Step step) {
        return switch (step.kind()) {
            case '=' -> "S: " + step.text();
            case '^' -> "S^ " + step.text() + "   (starting with)";
            default -> "S~ " + step.text() + "   (matching)";
        };
    }

    private void fail(Step step, String why, List<String> transcript) {
        StringBuilder m = new StringBuilder(where(step.line())).append(why);
        m.append("\n\n").append(String.join("\n", comment)).append("\ntranscript up to here:\n");
        transcript.forEach(t -> m.append("  ").append(t).append('\n'));
        throw new AssertionError(m.toString());
    }

    /** The text of a sent chunk for the transcript: line ends visible, long runs shortened. */
    private static String shown(String text) {
        return shown(text, 160);
    }

    private static String shown(String text, int limit) {
        String s = text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
        return s.length() <= limit ? s : s.substring(0, limit - 40) + "… (" + text.length() + " characters)";
    }

    // ---------------------------------------------------------------- checks

    private void check(Step step, InProcessSession session, List<String> transcript) {
        String[] words = step.text().split(" ", 2);
        String arg = words.length > 1 ? words[1] : "";
        MemorySpool spool = session.spool();
        boolean ok = switch (words[0]) {
            case "closed" -> !session.isOpen();
            case "open" -> session.isOpen();
            case "queued" -> spool.queued().size() == Integer.parseInt(arg);
            case "aborted" -> spool.aborted().size() == Integer.parseInt(arg);
            case "content" ->
                lastQueued(
                        step,
                        spool,
                        transcript,
                        q -> SmtpTestDialogue.withoutReceived(q.text()).equals(expand(arg)));
            case "received-contains" ->
                lastQueued(
                        step,
                        spool,
                        transcript,
                        q -> q.text().substring(0, receivedLength(q.text())).contains(expand(arg)));
            case "sender" ->
                lastQueued(
                        step,
                        spool,
                        transcript,
                        q -> q.envelope().sender().toString().equals(arg));
            case "recipients" ->
                lastQueued(
                        step,
                        spool,
                        transcript,
                        q -> q.envelope().recipients().stream()
                                .map(MailAddress::toString)
                                .toList()
                                .equals(Arrays.asList(arg.split(" "))));
            case "parameter" ->
                lastQueued(step, spool, transcript, q -> parameter(q.envelope().mailParameters(), arg));
            case "dsn" -> lastQueued(step, spool, transcript, q -> dsn(q.envelope(), arg));
            case "maillog" -> session.mailLog().contains(arg);
            case "maillog~" ->
                session.mailLog().stream()
                        .anyMatch(l -> Pattern.compile(arg).matcher(l).matches());
            case "maillog-size" -> session.mailLog().size() == Integer.parseInt(arg);
            default -> throw new IllegalArgumentException(where(step.line()) + "unknown check " + words[0]);
        };
        if (!ok) {
            fail(step, "check failed: ! " + step.text() + "\n  " + state(session), transcript);
        }
    }

    private boolean lastQueued(
            Step step, MemorySpool spool, List<String> transcript, Predicate<MemorySpool.Queued> test) {
        List<MemorySpool.Queued> queued = spool.queued();
        if (queued.isEmpty()) {
            fail(step, "nothing queued", transcript);
        }
        return test.test(queued.get(queued.size() - 1));
    }

    /**
     * {@code ! dsn b@example.org NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b@example.org}: the recipient's
     * stored DSN request, NOTIFY and ORCPT as stored (ORCPT decoded), each left out when not given;
     * {@code ! dsn b@example.org none} for no request.
     */
    private static boolean dsn(Envelope envelope, String arg) {
        String[] words = arg.split(" ", 2);
        DsnRequest r = envelope.recipients().stream()
                .filter(a -> a.toString().equals(words[0]))
                .findFirst()
                .map(envelope::dsnRequest)
                .orElseThrow(() -> new IllegalArgumentException("no recipient " + words[0]));
        String actual = ((r.notifyGiven() ? "NOTIFY=" + r.notifyValue() + " " : "")
                        + (r.originalRecipient().isEmpty() ? "" : "ORCPT=" + r.originalRecipient()))
                .strip();
        return (actual.isEmpty() ? "none" : actual).equals(words.length > 1 ? words[1] : "");
    }

    private static boolean parameter(Map<String, String> parameters, String arg) {
        String[] kv = arg.split("=", 2);
        return parameters.containsKey(kv[0]) && (kv.length == 1 || kv[1].equals(parameters.get(kv[0])));
    }

    /** The length of the Received header field on top of a stored message, with its folded lines. */
    private static int receivedLength(String content) {
        int i = content.indexOf("\r\n");
        while (i + 2 < content.length() && content.charAt(i + 2) == '\t') {
            i = content.indexOf("\r\n", i + 2);
        }
        return i + 2;
    }

    /** What a failed check saw: open or closed, the spool, the last message and the mail log. */
    private static String state(InProcessSession session) {
        MemorySpool spool = session.spool();
        List<MemorySpool.Queued> queued = spool.queued();
        StringBuilder s = new StringBuilder(session.isOpen() ? "open" : "closed");
        s.append(", queued ")
                .append(queued.size())
                .append(", aborted ")
                .append(spool.aborted().size());
        if (!queued.isEmpty()) {
            MemorySpool.Queued q = queued.get(queued.size() - 1);
            s.append("\n  last message: ")
                    .append(q.envelope().sender())
                    .append(" -> ")
                    .append(q.envelope().recipients())
                    .append(' ')
                    .append(q.envelope().mailParameters())
                    .append("\n  ")
                    .append(shown(q.text(), 4000));
        }
        s.append("\n  mail log: ").append(session.mailLog());
        return s.toString();
    }

    // ---------------------------------------------------------------- escapes

    /**
     * Expands the escapes of C:, W: and checks: {@code \r \n \t \0 \\ \{ \}}, and {@code {N*text}}
     * for N copies of text (which may itself hold escapes and repetitions).
     */
    static String expand(String text) {
        StringBuilder out = new StringBuilder();
        expand(text, 0, out, false);
        return out.toString();
    }

    private static int expand(String text, int from, StringBuilder out, boolean inside) {
        int i = from;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char e = text.charAt(i + 1);
                out.append(
                        switch (e) {
                            case 'r' -> '\r';
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case '0' -> '\0';
                            case '\\', '{', '}' -> e;
                            default -> throw new IllegalArgumentException("unknown escape \\" + e + " in " + text);
                        });
                i += 2;
            } else if (c == '{'
                    && text.indexOf('*', i) > i + 1
                    && text.substring(i + 1, text.indexOf('*', i)).chars().allMatch(Character::isDigit)) {
                int star = text.indexOf('*', i);
                int times = Integer.parseInt(text.substring(i + 1, star));
                StringBuilder body = new StringBuilder();
                i = expand(text, star + 1, body, true);
                if (i >= text.length() || text.charAt(i) != '}') {
                    throw new IllegalArgumentException("unclosed {" + times + "* in " + text);
                }
                out.append(body.toString().repeat(times));
                i++;
            } else if (c == '}' && inside) {
                return i;
            } else {
                out.append(c);
                i++;
            }
        }
        return i;
    }
}
