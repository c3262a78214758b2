package org.karavel.smtp.internal;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.DsnRequest.Notify;
import org.karavel.api.queue.Xtext;

/**
 * The parameters of the DSN extension (RFC 3461), checked: ENVID on MAIL, NOTIFY and ORCPT on RCPT.
 * A bad or repeated one is refused with {@code 501 5.5.4} naming it; any other RCPT parameter keeps
 * its {@code 555}. Pure functions; RET is simple enough to stay in {@link CommandSyntax}.
 */
final class DsnParameters {
    /** RFC 3461 §4.4: an ENVID of at most 100 characters (as sent, xtext). */
    static final int MAX_ENVID = 100;
    /** RFC 3461 §4.2: an ORCPT of at most 500 characters (as sent). */
    static final int MAX_ORCPT = 500;

    private DsnParameters() {}

    /** The RCPT parameters: the request, or the reply that refuses them. */
    record Rcpt(DsnRequest request, Reply refusal) {
        static Rcpt refused(Reply r) {
            return new Rcpt(DsnRequest.NONE, r);
        }
    }

    /** ENVID's value decoded, or null when it is not xtext of printable ASCII within the limit. */
    static String envid(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_ENVID) {
            return null;
        }
        return Xtext.decode(value);
    }

    static Rcpt rcpt(List<String> given, boolean extended, boolean smtputf8) {
        Set<Notify> notify = null;
        String orcpt = null;
        for (String param : given) {
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : param.substring(eq + 1);
            if (!key.matches("[A-Z0-9][A-Z0-9-]*") || (value != null && !CommandSyntax.isParameterValue(value))) {
                return Rcpt.refused(Replies.SYNTAX_PARAMETERS);
            }
            if (!extended) {
                return Rcpt.refused(Replies.parameterWithoutEhlo(key));
            }
            switch (key) {
                case "NOTIFY" -> {
                    if (notify != null) {
                        return Rcpt.refused(Replies.duplicateParameter(key));
                    }
                    notify = notify(value);
                    if (notify == null) {
                        return Rcpt.refused(Replies.badParameter(key));
                    }
                }
                case "ORCPT" -> {
                    if (orcpt != null) {
                        return Rcpt.refused(Replies.duplicateParameter(key));
                    }
                    orcpt = orcpt(value, smtputf8);
                    if (orcpt == null) {
                        return Rcpt.refused(Replies.badParameter(key));
                    }
                }
                default -> {
                    return Rcpt.refused(Replies.unsupportedParameter(key));
                }
            }
        }
        if (notify == null && orcpt == null) {
            return new Rcpt(DsnRequest.NONE, null);
        }
        return new Rcpt(new DsnRequest(notify, orcpt), null);
    }

    /** NEVER alone, or a comma list of SUCCESS, FAILURE, DELAY, each once; null when not that. */
    static Set<Notify> notify(String value) {
        if (value == null || value.isEmpty() || value.endsWith(",")) {
            return null;
        }
        Set<Notify> keywords = EnumSet.noneOf(Notify.class);
        for (String word : value.split(",")) {
            Notify n;
            try {
                n = Notify.valueOf(word.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return null;
            }
            if (!keywords.add(n)) {
                return null;
            }
        }
        if (keywords.contains(Notify.NEVER) && keywords.size() > 1) {
            return null;
        }
        return keywords;
    }

    /**
     * ORCPT=addr-type;xtext: {@code addr-type;address} with the address decoded, or null when it is
     * not that. Type {@code utf-8} is RFC 6533's (its \x{HH} escapes, raw UTF-8 only under SMTPUTF8);
     * every other type is xtext, as Postfix reads it.
     */
    static String orcpt(String value, boolean smtputf8) {
        if (value == null || value.length() > MAX_ORCPT) {
            return null;
        }
        int semicolon = value.indexOf(';');
        if (semicolon <= 0 || semicolon == value.length() - 1) {
            return null;
        }
        String type = value.substring(0, semicolon);
        if (!type.matches("[A-Za-z0-9][A-Za-z0-9-]*")) {
            return null;
        }
        String coded = value.substring(semicolon + 1);
        String address = type.equalsIgnoreCase("utf-8")
                ? Xtext.decodeUtf8Address(coded, smtputf8)
                : CommandSyntax.isAscii(coded) ? Xtext.decode(coded) : null;
        return address == null || address.isEmpty() ? null : type + ";" + address;
    }
}
