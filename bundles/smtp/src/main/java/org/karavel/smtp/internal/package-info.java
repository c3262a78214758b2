/**
 * The SMTP listener of Karavel: one Apache MINA acceptor per factory configuration
 * {@code org.karavel.smtp.listener}, speaking RFC 5321 with PIPELINING, SIZE, 8BITMIME,
 * ENHANCEDSTATUSCODES, DSN, SMTPUTF8 and CHUNKING, asking the {@code SmtpFilter} whiteboard at every
 * stage and streaming each message into the spool. STARTTLS (RFC 3207) and implicit TLS (RFC 8314)
 * with the certificate of the {@code ServerTls} service, and AUTH PLAIN/LOGIN (RFC 4954, only
 * under TLS) against the {@code MailboxUsers} service, both optional dynamic references.
 *
 * <p>Where things are: {@link org.karavel.smtp.internal.ListenerComponent} (DS wrapper, config,
 * references), {@link org.karavel.smtp.internal.SmtpListener} (acceptor, limits, threads),
 * {@link org.karavel.smtp.internal.SmtpSession} (one connection: lock, mode, read interest,
 * processing loop, dispatch through the {@link org.karavel.smtp.internal.Command} table; its parts
 * are listed there and in the bundle's README),
 * {@link org.karavel.smtp.internal.BodyDecoder} (DATA/BDAT octets to content: dot-stuffing, end of
 * data, bare CR/LF), {@link org.karavel.smtp.internal.IncomingMessage} (draft, size, headers),
 * {@link org.karavel.smtp.internal.StageRun} (one filter stage).
 *
 * <p>Choices made:
 * <ul>
 * <li>The body goes into {@code MessageDraft.write} as it arrives, the Received header first.
 *     Headers that end-of-message verdicts add must go above it, and a draft cannot be edited:
 *     then a second draft is written (added headers, a Received header with the new queue id, the
 *     content re-read from the copy below) and the first is aborted. No API change was needed.</li>
 * <li>{@code MessageView.open()}: while some registered filter overrides {@code endOfMessage}, a
 *     copy of the content is kept, in memory up to 256 KiB, beyond that in a temporary file
 *     (deleted when the transaction ends). Without such a filter nothing is copied. Headers are
 *     always kept as they stream by (at most 64 KiB).</li>
 * <li>MAIL parameters: SIZE, BODY=7BIT|8BITMIME, SMTPUTF8 and DSN's RET and ENVID are supported;
 *     RCPT takes DSN's NOTIFY and ORCPT ({@link org.karavel.smtp.internal.DsnParameters}). A bad or
 *     repeated DSN parameter gets 501 5.5.4 naming it; BODY=BINARYMIME and any other parameter
 *     555 5.5.4, as it is not offered.</li>
 * <li>Bare CR or LF in content: policy "reject" reads the message to the real CRLF.CRLF and
 *     refuses it (550 5.5.2); "normalize" stores CRLF instead. Either way only CRLF.CRLF ends DATA,
 *     and a line that follows a bare line end is not a line start (no dot is removed there). The
 *     same policy applies to BDAT content and to command lines (a command ending in bare LF gets
 *     500 5.5.2 under "reject").</li>
 * <li>A problem inside a BDAT chunk is answered at the end of that chunk; later chunks of the
 *     same transaction are read and discarded (503 5.5.1) until BDAT LAST or another command.</li>
 * <li>A filter failure at CONNECT closes with 421 4.3.0 (there is no 451 greeting); at other
 *     stages it answers 451 4.3.0 and the session goes on.</li>
 * <li>STARTTLS: MINA's {@code SslFilter} (with a marker filter behind it that sees only
 *     decrypted input) is added before the 220 is written, and the 220 passes it in clear as a
 *     {@code DisableEncryptWriteRequest}; bytes pipelined after the command are dropped. Adding
 *     the filter only once the 220 had been written would leave a window, when the command is
 *     processed on a worker thread, in which clear text could be read.</li>
 * <li>AUTH lines may be 12288 octets (RFC 4954) even when max_command_line is smaller. Failed
 *     AUTH attempts are counted per IP across all listeners of the bundle ({@code org.karavel.api.auth.LoginFailures}), in bounded memory.</li>
 * <li>{@code RCPT TO:<Postmaster>} (no domain) is accepted as postmaster@hostname (RFC 5321 §4.5.1).</li>
 * <li>Errors counted towards max_errors: syntax and sequence errors, filter refusals, refused
 *     messages; not counted: our own temporary failures (filters, spool) and 452 too many recipients.</li>
 * </ul>
 *
 * <p>Operations: each listener is a {@link org.karavel.api.health.HealthCheck} (ready while bound);
 * {@link org.karavel.smtp.internal.SmtpCounters} holds every listener's counters, published as metric
 * source {@code smtp}. Stopping a listener answers {@code 421 4.3.2} to every session and closes it;
 * a message whose DATA was still arriving is dropped (the client retries), one being committed is
 * answered first.
 *
 * <p>It must never: answer 250 to a message before the spool's commit stage has completed; take a
 * bare CR or LF as part of the end of data; block a MINA I/O thread (filters run on worker
 * threads, commits are awaited asynchronously, no DNS); call MINA's suspendRead/resumeRead off the
 * I/O thread (it races there); hold a whole message in memory; let a filter that throws, fails or
 * hangs crash or stall a session, or silently accept; tell which users exist (VRFY gives 252,
 * AUTH the same 535 for unknown user and wrong password); run a command sent in clear text after
 * STARTTLS; offer AUTH in clear text; log a password or an AUTH response; keep a password
 * {@code char[]} after its check completed.
 */
package org.karavel.smtp.internal;
