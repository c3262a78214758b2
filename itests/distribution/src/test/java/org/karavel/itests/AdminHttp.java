package org.karavel.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.karavel.testkit.TrustAll;

/**
 * One HTTP/1.1 request to the admin API over a raw socket bound to a chosen loopback address
 * (127.0.0.2 is an outside client for the API), because Java 17's HttpClient cannot bind a local
 * address. Plain or TLS (any certificate: the server's is self-signed), with optional Basic auth.
 */
final class AdminHttp {
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final int port;
    private String localAddress = "127.0.0.1";
    private boolean tls;
    private String user;
    private String password;
    private String host;
    private String contentType = "application/json";
    private final Map<String, String> extra = new LinkedHashMap<>();

    AdminHttp(int port) {
        this.port = port;
    }

    AdminHttp from(String address) {
        localAddress = address;
        return this;
    }

    AdminHttp tls(boolean on) {
        tls = on;
        return this;
    }

    AdminHttp basic(String user, String password) {
        this.user = user;
        this.password = password;
        return this;
    }

    /** The Host header to send instead of 127.0.0.1:port (a web page's name after DNS rebinding). */
    AdminHttp host(String name) {
        host = name;
        return this;
    }

    /** The Content-Type of a request that is not a GET (application/json unless told; null: none). */
    AdminHttp contentType(String type) {
        contentType = type;
        return this;
    }

    /** One more header, such as Origin, Sec-Fetch-Site or Authorization: Bearer. */
    AdminHttp header(String name, String value) {
        extra.put(name, value);
        return this;
    }

    Response get(String path) throws IOException {
        return send("GET", path, null);
    }

    Response post(String path, String json) throws IOException {
        return send("POST", path, json);
    }

    Response delete(String path) throws IOException {
        return send("DELETE", path, null);
    }

    Response send(String method, String path, String json) throws IOException {
        Socket plain = new Socket();
        plain.bind(new InetSocketAddress(localAddress, 0));
        plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        plain.setSoTimeout(15_000);
        Socket socket = plain;
        if (tls) {
            SSLSocket s = (SSLSocket) TrustAll.socketFactory().createSocket(plain, "127.0.0.1", port, true);
            s.setUseClientMode(true);
            s.startHandshake();
            socket = s;
        }
        try (Socket closing = socket) {
            byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
            StringBuilder req = new StringBuilder();
            req.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
            req.append("Host: ")
                    .append(host == null ? "127.0.0.1:" + port : host)
                    .append("\r\n");
            req.append("Connection: close\r\n");
            if (user != null) {
                String token =
                        Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
                req.append("Authorization: Basic ").append(token).append("\r\n");
            }
            if (!method.equals("GET") && contentType != null) {
                // a state-changing request without it is refused (no web form can send it)
                req.append("Content-Type: ").append(contentType).append("\r\n");
            }
            extra.forEach(
                    (name, value) -> req.append(name).append(": ").append(value).append("\r\n"));
            if (json != null || !method.equals("GET")) {
                req.append("Content-Length: ").append(body.length).append("\r\n");
            }
            req.append("\r\n");
            OutputStream out = closing.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return read(closing.getInputStream());
        }
    }

    private static Response read(InputStream in) throws IOException {
        String status = line(in);
        if (status == null || !status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + status);
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(
                    h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    h.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                    size > 0;
                    size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
        } else if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(code, headers, body.toString(StandardCharsets.UTF_8));
    }

    /** One CRLF-terminated line without its end, null at end of stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
}
