package org.karavel.smtp.internal;

/**
 * Every reply the SMTP listener sends, in one place, grouped as the README's tables (the
 * top-level README's "Defaults we chose" for the limits, this bundle's README for STARTTLS and
 * AUTH). Their wording is a contract with clients and log parsers: change it on purpose only.
 * Replies that name the host (all the 421s) are built per session from {@code hostname}.
 */
final class Replies {
    private Replies() {}

    // ---- greeting, closing and the 421s that end a session

    static Reply greeting(String hostname) {
        return Reply.of(220, null, hostname + " ESMTP Karavel");
    }

    static final Reply BYE = Reply.of(221, "2.0.0", "Bye");

    static Reply connectFilterFailure(String hostname) {
        return Reply.of(421, "4.3.0", hostname + " Temporary filter failure");
    }

    static Reply shuttingDown(String hostname) {
        return Reply.of(421, "4.3.2", hostname + " Service shutting down");
    }

    static Reply timeout(String hostname) {
        return Reply.of(421, "4.4.2", hostname + " Error: timeout exceeded");
    }

    static Reply internalError(String hostname) {
        return Reply.of(421, "4.3.0", hostname + " Error: internal error");
    }

    static Reply tooMuchInput(String hostname) {
        return Reply.of(421, "4.7.0", hostname + " Error: too much pipelined input");
    }

    static Reply tooManyErrors(String hostname) {
        return Reply.of(421, "4.7.0", hostname + " Error: too many errors");
    }

    /** A forbidden verb (HTTP's GET, POST, CONNECT, ...): a web client or a cross-protocol attack. */
    static Reply commandNotAllowed(String hostname) {
        return Reply.of(421, "4.7.0", hostname + " Error: command not allowed");
    }

    // ---- commands that need no transaction

    static final Reply OK = Reply.of(250, "2.0.0", "Ok");
    /** VRFY never tells which users exist (Postfix disable_vrfy_command). */
    static final Reply VRFY = Reply.of(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");

    static final Reply HELP =
            Reply.of(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP; see RFC 5321");

    /** The EHLO reply: the host name and the extensions offered to this session. */
    static String ehlo(String hostname, boolean startTls, boolean auth, long maxMessageSize) {
        return "250-" + hostname + "\r\n"
                + "250-PIPELINING\r\n"
                + (startTls ? "250-STARTTLS\r\n" : "")
                + (auth ? "250-AUTH PLAIN LOGIN\r\n" : "")
                + "250-SIZE " + maxMessageSize + "\r\n"
                + "250-8BITMIME\r\n"
                + "250-ENHANCEDSTATUSCODES\r\n"
                + "250-DSN\r\n"
                + "250-SMTPUTF8\r\n"
                + "250 CHUNKING\r\n";
    }

    static Reply helo(String hostname) {
        return Reply.of(250, null, hostname);
    }

    // ---- order of commands

    static final Reply NEED_HELO = Reply.of(503, "5.5.1", "Error: send HELO/EHLO first");
    static final Reply NESTED_MAIL = Reply.of(503, "5.5.1", "Error: nested MAIL command");
    static final Reply NEED_MAIL = Reply.of(503, "5.5.1", "Error: need MAIL command");
    static final Reply NEED_RCPT = Reply.of(503, "5.5.1", "Error: need RCPT command");
    static final Reply NO_VALID_RCPT = Reply.of(554, "5.5.1", "Error: no valid recipients");
    static final Reply DATA_AFTER_BDAT = Reply.of(503, "5.5.1", "Error: DATA cannot follow BDAT in one transaction");
    static final Reply RCPT_IN_BDAT = Reply.of(503, "5.5.1", "Error: RCPT cannot follow BDAT in one transaction");
    static final Reply BDAT_NEEDS_EHLO = Reply.of(503, "5.5.1", "Error: BDAT needs EHLO");
    static final Reply BDAT_DISCARDED = Reply.of(503, "5.5.1", "Error: previous BDAT failed; chunk discarded");

    // ---- command syntax

    static final Reply UNKNOWN = Reply.of(500, "5.5.2", "Error: command not recognized");
    static final Reply NOT_IMPLEMENTED = Reply.of(502, "5.5.1", "Error: command not implemented");
    static final Reply LINE_TOO_LONG = Reply.of(500, "5.5.2", "Line too long");
    static final Reply BARE_LF_COMMAND = Reply.of(500, "5.5.2", "Error: command line must end with CRLF");
    static final Reply BAD_CHARACTERS = Reply.of(500, "5.5.2", "Error: bare CR, NUL or invalid UTF-8 in command");
    static final Reply SYNTAX_HELO = Reply.of(501, "5.5.4", "Syntax: HELO hostname");
    static final Reply SYNTAX_EHLO = Reply.of(501, "5.5.4", "Syntax: EHLO hostname");
    static final Reply SYNTAX_MAIL = Reply.of(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    static final Reply SYNTAX_RCPT = Reply.of(501, "5.5.4", "Syntax: RCPT TO:<address>");
    static final Reply SYNTAX_DATA = Reply.of(501, "5.5.4", "Syntax: DATA");
    static final Reply SYNTAX_BDAT = Reply.of(501, "5.5.4", "Syntax: BDAT size [LAST]");
    static final Reply SYNTAX_VRFY = Reply.of(501, "5.5.4", "Syntax: VRFY address");
    static final Reply SYNTAX_STARTTLS = Reply.of(501, "5.5.4", "Syntax: STARTTLS");
    static final Reply SYNTAX_AUTH = Reply.of(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");

    // ---- MAIL and RCPT: addresses and parameters

    static final Reply SENDER_OK = Reply.of(250, "2.1.0", "Ok");
    static final Reply RECIPIENT_OK = Reply.of(250, "2.1.5", "Ok");
    static final Reply SYNTAX_PARAMETERS = Reply.of(501, "5.5.4", "Syntax error in parameters");
    static final Reply BAD_SENDER = Reply.of(501, "5.1.7", "Bad sender address syntax");
    static final Reply BAD_RECIPIENT = Reply.of(501, "5.1.3", "Bad recipient address syntax");
    static final Reply NON_ASCII_SENDER = Reply.of(553, "5.6.7", "Non-ASCII sender address needs SMTPUTF8");
    static final Reply NON_ASCII_RECIPIENT =
            Reply.of(553, "5.6.7", "Non-ASCII recipient address needs SMTPUTF8 in MAIL");
    static final Reply BAD_SIZE = Reply.of(501, "5.5.4", "Bad SIZE parameter");
    static final Reply BINARYMIME = Reply.of(555, "5.5.4", "BODY=BINARYMIME is not supported");
    static final Reply BAD_BODY = Reply.of(501, "5.5.4", "Bad BODY parameter");
    static final Reply SMTPUTF8_VALUE = Reply.of(501, "5.5.4", "SMTPUTF8 takes no value");

    static Reply unsupportedParameter(String key) {
        return Reply.of(555, "5.5.4", "Unsupported parameter " + key);
    }

    static Reply parameterWithoutEhlo(String key) {
        return Reply.of(555, "5.5.4", "Unsupported parameter " + key + " (no EHLO)");
    }

    /** A DSN parameter (RET, ENVID, NOTIFY, ORCPT) with a value it cannot have (RFC 3461). */
    static Reply badParameter(String key) {
        return Reply.of(501, "5.5.4", "Bad " + key + " parameter");
    }

    static Reply duplicateParameter(String key) {
        return Reply.of(501, "5.5.4", "Duplicate parameter " + key);
    }

    /** sender_login_match: an authenticated user may only use its own addresses. */
    static Reply senderNotOwned(String path, String user) {
        return Reply.of(553, "5.7.1", path + ": Sender address rejected: not owned by user " + user);
    }

    /** A required filter (the relay policy) is missing: fail closed rather than relay openly. */
    static Reply policyUnavailable(Object recipient, String filter) {
        return Reply.of(451, "4.3.0", "<" + recipient + ">: Policy filter " + filter + " unavailable, try again later");
    }

    // ---- limits (the README's "Defaults we chose")

    static final Reply TOO_MANY_RECIPIENTS = Reply.of(452, "4.5.3", "Too many recipients");
    static final Reply SIZE_EXCEEDED = Reply.of(552, "5.3.4", "Message size exceeds fixed maximum message size");
    static final Reply MESSAGE_LINE_TOO_LONG = Reply.of(552, "5.3.4", "Message line too long");
    static final Reply BARE_LINE_ENDING = Reply.of(550, "5.5.2", "Message contains bare CR or LF");
    /** Refused rather than half-read: filters (DKIM, forged Authentication-Results removal) see only the first 64 KiB. */
    static final Reply HEADER_TOO_LARGE =
            Reply.of(552, "5.6.0", "Header section exceeds " + HeaderBlock.MAX + " octets");

    static final Reply TOO_MANY_HOPS = Reply.of(554, "5.4.6", "Too many hops");

    // ---- DATA, BDAT and the queue

    static final Reply START_DATA = Reply.of(354, null, "End data with <CR><LF>.<CR><LF>");

    static Reply chunkReceived(long size) {
        return Reply.of(250, "2.0.0", "Ok: " + size + " octets received");
    }

    static Reply queued(Object id) {
        return Reply.of(250, "2.0.0", "Ok: queued as " + id);
    }

    static final Reply QUEUE_UNAVAILABLE = Reply.of(451, "4.3.0", "Queue unavailable, try again later");
    static final Reply NO_STORAGE = Reply.of(452, "4.3.1", "Insufficient system storage");
    static final Reply WRITE_ERROR = Reply.of(451, "4.3.0", "Error: queue file write error");
    static final Reply EXPANSION_ERROR = Reply.of(451, "4.6.0", "Alias expansion error");
    static final Reply FILTER_FAILURE = Reply.of(451, "4.3.0", "Temporary filter failure");

    // ---- STARTTLS (this bundle's README, "Replies of STARTTLS and AUTH")

    static final Reply READY_TLS = Reply.of(220, "2.0.0", "Ready to start TLS");
    static final Reply TLS_ACTIVE = Reply.of(503, "5.5.1", "Error: TLS already active");
    static final Reply TLS_UNAVAILABLE = Reply.of(454, "4.7.0", "TLS not available due to local problem");
    static final Reply MUST_STARTTLS = Reply.of(530, "5.7.0", "Must issue a STARTTLS command first");

    // ---- AUTH (the same table)

    static final Reply AUTH_DISABLED = Reply.of(503, "5.5.1", "Error: authentication not enabled");
    static final Reply ENCRYPTION_REQUIRED =
            Reply.of(538, "5.7.11", "Encryption required for requested authentication mechanism");
    static final Reply AUTH_TEMPORARY = Reply.of(454, "4.7.0", "Temporary authentication failure");
    static final Reply PLAIN_CHALLENGE = Reply.of(334, null, "");
    static final Reply USERNAME_CHALLENGE = Reply.of(334, null, "VXNlcm5hbWU6"); // "Username:"
    static final Reply PASSWORD_CHALLENGE = Reply.of(334, null, "UGFzc3dvcmQ6"); // "Password:"
    static final Reply AUTH_UNDECODABLE = Reply.of(501, "5.5.2", "Cannot decode response");
    static final Reply AUTH_CANCELLED = Reply.of(501, "5.0.0", "Authentication cancelled");
    static final Reply AUTH_FAILED = Reply.of(535, "5.7.8", "Authentication credentials invalid");
    static final Reply AUTH_OK = Reply.of(235, "2.7.0", "Authentication successful");
    static final Reply AUTH_AGAIN = Reply.of(503, "5.5.1", "Error: already authenticated");
    static final Reply AUTH_IN_TRANSACTION = Reply.of(503, "5.5.1", "Error: MAIL transaction in progress");
    static final Reply AUTH_MECHANISM = Reply.of(504, "5.5.4", "Unrecognized authentication type");
    static final Reply AUTH_LINE_TOO_LONG = Reply.of(500, "5.5.6", "Authentication Exchange line is too long");

    /** max_connection_rate_per_ip: Postfix's "Error: too many connections from IP", with a hint to wait. */
    static Reply tooManyConnectionsPerMinute(String hostname) {
        return Reply.of(421, "4.7.0", hostname + " Too many connections per minute from your address, try later");
    }

    static Reply tooManyAuthFailures(String hostname) {
        return Reply.of(421, "4.7.0", hostname + " Too many failed authentications, try later");
    }

    static final Reply AUTH_REQUIRED = Reply.of(530, "5.7.0", "Authentication required");
}
