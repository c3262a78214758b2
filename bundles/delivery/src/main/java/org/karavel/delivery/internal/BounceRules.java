package org.karavel.delivery.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules of a bounce rules file, one per line: {@code category code 5.1.*} matches the RFC 3463
 * enhanced status code, {@code category text regex} the reply text (case-insensitive). Text rules
 * are tried before code rules, since providers put their precise reason in the text behind a
 * generic code; within each kind the first match in file order wins. A bad line is an ERROR naming
 * the file and line, and is skipped: the other rules keep working.
 */
final class BounceRules {
    private static final Logger LOG = LoggerFactory.getLogger(BounceRules.class);
    private static final Pattern CODE_PATTERN = Pattern.compile("[245*]\\.(\\d{1,3}|\\*)\\.(\\d{1,3}|\\*)");
    /** The enhanced status code at the start of a reply, after the basic code: {@code 550 5.1.1 ...}. */
    private static final Pattern REPLY_CODE = Pattern.compile("^(?:\\d{3}[ -])?\\s*([245]\\.\\d{1,3}\\.\\d{1,3})\\b");

    static final BounceRules NONE = new BounceRules(List.of(), List.of());

    private record Rule(BounceCategory category, Pattern pattern) {}

    private final List<Rule> textRules;
    private final List<Rule> codeRules;

    private BounceRules(List<Rule> textRules, List<Rule> codeRules) {
        this.textRules = List.copyOf(textRules);
        this.codeRules = List.copyOf(codeRules);
    }

    /** The rules of these lines of {@code file} (its name, for the log); bad lines are logged and left out. */
    static BounceRules parse(String file, List<String> lines) {
        List<Rule> text = new ArrayList<>();
        List<Rule> code = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+", 3);
            String where = file + ":" + (i + 1);
            if (parts.length < 3) {
                LOG.error("{}: bounce rule skipped, not 'category code|text pattern': {}", where, line);
                continue;
            }
            BounceCategory category = BounceCategory.of(parts[0].toLowerCase(Locale.ROOT));
            if (category == null) {
                LOG.error("{}: bounce rule skipped, unknown category '{}'", where, parts[0]);
                continue;
            }
            switch (parts[1].toLowerCase(Locale.ROOT)) {
                case "code" -> {
                    if (!CODE_PATTERN.matcher(parts[2]).matches()) {
                        LOG.error(
                                "{}: bounce rule skipped, bad code pattern '{}' (e.g. 5.1.1, 5.1.*, *.7.*)",
                                where,
                                parts[2]);
                        continue;
                    }
                    code.add(new Rule(category, codePattern(parts[2])));
                }
                case "text" -> {
                    try {
                        text.add(new Rule(
                                category, Pattern.compile(parts[2], Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE)));
                    } catch (PatternSyntaxException e) {
                        LOG.error(
                                "{}: bounce rule skipped, bad regular expression: {}",
                                where,
                                e.getMessage().replace('\n', ' '));
                    }
                }
                default -> LOG.error("{}: bounce rule skipped, '{}' is neither code nor text", where, parts[1]);
            }
        }
        return new BounceRules(text, code);
    }

    private static Pattern codePattern(String p) {
        StringBuilder re = new StringBuilder();
        for (String part : p.split("\\.")) {
            re.append(re.length() == 0 ? "" : "\\.").append(part.equals("*") ? "\\d{1,3}" : Pattern.quote(part));
        }
        return Pattern.compile(re.toString());
    }

    /** The number of rules read. */
    int size() {
        return textRules.size() + codeRules.size();
    }

    /**
     * The category of a failure, null when no rule matches.
     *
     * @param status the enhanced status code recorded for the failure, used when the reply has none
     * @param reply the reply text
     */
    BounceCategory match(String status, String reply) {
        for (Rule r : textRules) {
            if (r.pattern.matcher(reply).find()) {
                return r.category;
            }
        }
        String code = enhancedCode(status, reply);
        for (Rule r : codeRules) {
            if (r.pattern.matcher(code).matches()) {
                return r.category;
            }
        }
        return null;
    }

    /** The reply's own enhanced code when it has one (a forced 4.4.1 must not hide a 5.7.1), else the status. */
    static String enhancedCode(String status, String reply) {
        var m = REPLY_CODE.matcher(reply);
        return m.find() ? m.group(1) : status == null ? "" : status;
    }
}
