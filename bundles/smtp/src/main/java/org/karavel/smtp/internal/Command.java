package org.karavel.smtp.internal;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The command table, as Postfix's smtpd_cmd_table: every verb the session knows, its handler and
 * its flags. A verb not in the table is answered {@code 500 5.5.2} and counted as an error. To add
 * a command: a constant here and its handler (see the bundle's README, "where things are").
 */
enum Command {
    EHLO((session, arg) -> session.greeting.command(arg, true), Flag.BEFORE_HELO),
    HELO((session, arg) -> session.greeting.command(arg, false), Flag.BEFORE_HELO),
    MAIL((session, arg) -> session.commands.mail(arg)),
    RCPT((session, arg) -> session.commands.rcpt(arg)),
    DATA((session, arg) -> session.commands.data(arg)),
    BDAT((session, arg) -> session.commands.bdat(arg)),
    RSET(SmtpSession::rset, Flag.BEFORE_HELO),
    NOOP(SmtpSession::noop, Flag.BEFORE_HELO),
    QUIT(SmtpSession::quit, Flag.BEFORE_HELO),
    VRFY(SmtpSession::vrfy, Flag.BEFORE_HELO),
    HELP(SmtpSession::help, Flag.BEFORE_HELO),
    STARTTLS((session, arg) -> session.tls.command(arg), Flag.BEFORE_HELO),
    AUTH((session, arg) -> session.authentication.auth(arg)),

    // known, not offered: 502, counted as an error
    EXPN(null, Flag.BEFORE_HELO, Flag.NOT_IMPLEMENTED),
    TURN(null, Flag.BEFORE_HELO, Flag.NOT_IMPLEMENTED),
    ETRN(null, Flag.BEFORE_HELO, Flag.NOT_IMPLEMENTED),
    ATRN(null, Flag.BEFORE_HELO, Flag.NOT_IMPLEMENTED),
    SEND(null, Flag.BEFORE_HELO, Flag.NOT_IMPLEMENTED),
    SOML(null, Flag.BEFORE_HELO, Flag.NOT_IMPLEMENTED),
    SAML(null, Flag.BEFORE_HELO, Flag.NOT_IMPLEMENTED),

    // HTTP: a web client or a cross-protocol attack (e.g. an HTTP proxy abused to send mail)
    GET(null, Flag.FORBIDDEN),
    POST(null, Flag.FORBIDDEN),
    PUT(null, Flag.FORBIDDEN),
    HEAD(null, Flag.FORBIDDEN),
    CONNECT(null, Flag.FORBIDDEN),
    OPTIONS(null, Flag.FORBIDDEN),
    DELETE(null, Flag.FORBIDDEN);

    enum Flag {
        /**
         * Allowed before HELO/EHLO. The others answer {@code 503 5.5.1 Error: send HELO/EHLO
         * first}, each at its own place among its checks (RCPT through its need of a MAIL).
         */
        BEFORE_HELO,
        /** Known but not offered: {@code 502 5.5.1}, counted as an error. */
        NOT_IMPLEMENTED,
        /** Never SMTP: {@code 421 4.7.0 ... command not allowed} and the session ends. */
        FORBIDDEN
    }

    private static final Map<String, Command> BY_VERB =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(Command::name, Function.identity()));

    private final BiConsumer<SmtpSession, String> handler;
    private final Set<Flag> flags;

    Command(BiConsumer<SmtpSession, String> handler, Flag... flags) {
        this.handler = handler;
        this.flags = flags.length == 0 ? EnumSet.noneOf(Flag.class) : EnumSet.of(flags[0], flags);
    }

    /** The command a verb names, in any case; null when it is not in the table. */
    static Command of(String verb) {
        return BY_VERB.get(verb.toUpperCase(Locale.ROOT));
    }

    boolean allowedBeforeHelo() {
        return flags.contains(Flag.BEFORE_HELO);
    }

    boolean implemented() {
        return !flags.contains(Flag.NOT_IMPLEMENTED);
    }

    boolean forbidden() {
        return flags.contains(Flag.FORBIDDEN);
    }

    /** Runs the handler of an implemented, allowed command with its argument (stripped). */
    void handle(SmtpSession session, String arg) {
        handler.accept(session, arg);
    }
}
