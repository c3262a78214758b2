package org.karavel.tls.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A minimal HTTP/1.1 client over a verified TLS connection to an address chosen by the caller, for
 * the MTA-STS policy fetch and TLS-RPT's https reports. The JDK HttpClient (Java 17) always
 * resolves the host name with the system resolver, while every DNS question of Karavel must go
 * through the api Resolver (which tests point at loopback); so the address comes from the
 * Resolver and this client connects to it, sending the name as SNI and Host and checking the
 * certificate for the name (endpoint identification "HTTPS"). No redirects are followed, bodies are
 * limited in size, and the whole exchange has a deadline.
 */
final class HttpsRequest {
    /** The answer to a request: status, header fields (lower-case names, last one wins) and body. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }
    }

    private final SSLContext context;
    private final Duration timeout;
    private final int maxBody;

    /**
     * @param context a client context whose trust managers verify the server (the JDK's, or a test CA)
     * @param timeout for the whole exchange: connect, handshake, request and response
     * @param maxBody the largest body accepted, in octets
     */
    HttpsRequest(SSLContext context, Duration timeout, int maxBody) {
        this.context = context;
        this.timeout = timeout;
        this.maxBody = maxBody;
    }

    Response get(InetAddress address, int port, String host, String path) throws IOException {
        return get(address, port, host, path, System.nanoTime() + timeout.toNanos());
    }

    /**
     * A GET that ends by {@code deadline} ({@link System#nanoTime()}) at the latest, so that several
     * requests (one per address of a host) can share one deadline.
     */
    Response get(InetAddress address, int port, String host, String path, long deadline) throws IOException {
        long own = System.nanoTime() + timeout.toNanos();
        return exchange(address, port, host, "GET", path, null, null, deadline - own < 0 ? deadline : own);
    }

    Response post(InetAddress address, int port, String host, String path, String contentType, byte[] body)
            throws IOException {
        return exchange(address, port, host, "POST", path, contentType, body, System.nanoTime() + timeout.toNanos());
    }

    private Response exchange(
            InetAddress address,
            int port,
            String host,
            String method,
            String path,
            String contentType,
            byte[] body,
            long deadline)
            throws IOException {
        AtomicBoolean expired = new AtomicBoolean();
        try (Socket raw = new Socket()) {
            // read timeouts bound each read only: a server that trickles its handshake or its answer
            // within them would go on for ever, so the socket is closed at the deadline
            CompletableFuture<Void> watchdog = CompletableFuture.runAsync(
                    () -> {
                        expired.set(true);
                        try {
                            raw.close();
                        } catch (IOException e) {
                            // closed anyway
                        }
                    },
                    CompletableFuture.delayedExecutor(remaining(deadline), TimeUnit.MILLISECONDS));
            try {
                return exchange(raw, address, port, host, method, path, contentType, body, deadline);
            } finally {
                watchdog.cancel(false);
            }
        } catch (IOException e) {
            if (expired.get() || e instanceof SocketTimeoutException) {
                throw new SocketTimeoutException(
                        "no complete answer from " + host + " within its deadline of " + timeout.toSeconds() + " s");
            }
            throw e;
        }
    }

    private Response exchange(
            Socket raw,
            InetAddress address,
            int port,
            String host,
            String method,
            String path,
            String contentType,
            byte[] body,
            long deadline)
            throws IOException {
        raw.connect(new InetSocketAddress(address, port), remaining(deadline));
        raw.setSoTimeout(remaining(deadline));
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, host, port, true)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(host)));
            // the JDK checks the certificate's names against the host given above
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            StringBuilder request = new StringBuilder()
                    .append(method)
                    .append(' ')
                    .append(path)
                    .append(" HTTP/1.1\r\n")
                    .append("Host: ")
                    .append(host)
                    .append(port == 443 ? "" : ":" + port)
                    .append("\r\n")
                    .append("User-Agent: Karavel\r\n")
                    .append("Connection: close\r\n");
            if (body != null) {
                request.append("Content-Type: ")
                        .append(contentType)
                        .append("\r\n")
                        .append("Content-Length: ")
                        .append(body.length)
                        .append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return read(socket, deadline);
        }
    }

    private Response read(Socket socket, long deadline) throws IOException {
        InputStream in = socket.getInputStream();
        String statusLine = line(in, socket, deadline);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[0-9]{3}")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String field = line(in, socket, deadline); !field.isEmpty(); field = line(in, socket, deadline)) {
            int colon = field.indexOf(':');
            if (colon > 0) {
                headers.put(
                        field.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        field.substring(colon + 1).trim());
            }
            if (headers.size() > 100) {
                throw new IOException("too many header fields");
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String encoding = headers.getOrDefault("transfer-encoding", "");
        String length = headers.get("content-length");
        if (encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String sizeLine = line(in, socket, deadline);
                int semicolon = sizeLine.indexOf(';');
                String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim();
                if (!hex.matches("[0-9A-Fa-f]{1,7}")) {
                    throw new IOException("bad chunk size");
                }
                int size = Integer.parseInt(hex, 16);
                if (size == 0) {
                    break;
                }
                copy(in, body, size, socket, deadline);
                line(in, socket, deadline);
            }
        } else if (length != null) {
            if (!length.matches("[0-9]{1,10}") || Long.parseLong(length) > maxBody) {
                throw new IOException("body larger than " + maxBody + " octets");
            }
            copy(in, body, Integer.parseInt(length), socket, deadline);
        } else {
            copy(in, body, -1, socket, deadline);
        }
        return new Response(status, headers, body.toByteArray());
    }

    /** Copies {@code count} octets (or up to the end when -1), within the size limit and the deadline. */
    private void copy(InputStream in, ByteArrayOutputStream body, int count, Socket socket, long deadline)
            throws IOException {
        byte[] buffer = new byte[8192];
        int left = count;
        while (count < 0 || left > 0) {
            socket.setSoTimeout(remaining(deadline));
            int n = in.read(buffer, 0, count < 0 ? buffer.length : Math.min(buffer.length, left));
            if (n < 0) {
                if (count < 0) {
                    return;
                }
                throw new IOException("connection closed in the body");
            }
            if (body.size() + n > maxBody) {
                throw new IOException("body larger than " + maxBody + " octets");
            }
            body.write(buffer, 0, n);
            left -= n;
        }
    }

    /** A CRLF- (or LF-) terminated line of at most 8 KB. */
    private static String line(InputStream in, Socket socket, long deadline) throws IOException {
        socket.setSoTimeout(remaining(deadline));
        StringBuilder out = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed in the response head");
            }
            if (c == '\n') {
                int end = out.length();
                return end > 0 && out.charAt(end - 1) == '\r' ? out.substring(0, end - 1) : out.toString();
            }
            out.append((char) c);
            if (out.length() > 8192) {
                throw new IOException("response line too long");
            }
        }
    }

    private static int remaining(long deadline) throws SocketTimeoutException {
        long millis = (deadline - System.nanoTime()) / 1_000_000;
        if (millis <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.min(Integer.MAX_VALUE, millis);
    }
}
