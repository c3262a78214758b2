package org.karavel.testkit;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * A client that really offers TLS 1.0 or 1.1, and reads what the server answers. The JDK's own client
 * drops those versions before it says anything (jdk.tls.disabledAlgorithms), so a test that lets it
 * "try" proves nothing about the server; this ClientHello is written by hand, with the CBC suites and
 * the extensions such a client sends, so a server that accepted the version would answer with a
 * ServerHello.
 */
public final class LegacyTlsClient {
    /** What a server that does not speak the offered version answers (RFC 8446 §6.2, RFC 5246 §7.2.2). */
    public static final String PROTOCOL_VERSION_ALERT = "fatal alert protocol_version (70)";

    private LegacyTlsClient() {}

    /** The record and ClientHello version of "TLSv1" (3.1) or "TLSv1.1" (3.2). */
    private static byte minor(String protocol) {
        return switch (protocol) {
            case "TLSv1" -> 1;
            case "TLSv1.1" -> 2;
            default -> throw new IllegalArgumentException("not an old TLS version: " + protocol);
        };
    }

    /**
     * A ClientHello offering only {@code protocol} ("TLSv1" or "TLSv1.1"): ECDHE (RSA, ECDSA) and RSA
     * key exchange with AES-CBC, supported groups and point formats, no supported_versions extension.
     */
    public static byte[] clientHello(String protocol) {
        byte minor = minor(protocol);
        int[] suites = {0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035};
        ByteBuffer hello = ByteBuffer.allocate(256);
        hello.put((byte) 3).put(minor); // client_version
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        hello.put(random);
        hello.put((byte) 0); // no session id
        hello.putShort((short) (2 * suites.length));
        for (int s : suites) {
            hello.putShort((short) s);
        }
        hello.put((byte) 1).put((byte) 0); // compression: null only
        ByteBuffer extensions = ByteBuffer.allocate(64);
        extensions.putShort((short) 0x000a).putShort((short) 6).putShort((short) 4); // supported_groups
        extensions.putShort((short) 0x0017).putShort((short) 0x001d); // secp256r1, x25519
        extensions.putShort((short) 0x000b).putShort((short) 2).put((byte) 1).put((byte) 0); // uncompressed points
        extensions.flip();
        hello.putShort((short) extensions.remaining()).put(extensions);
        hello.flip();
        int body = hello.remaining();
        ByteBuffer record = ByteBuffer.allocate(5 + 4 + body);
        record.put((byte) 0x16).put((byte) 3).put(minor).putShort((short) (4 + body)); // handshake record
        record.put((byte) 1).put((byte) 0).putShort((short) body).put(hello); // ClientHello
        return record.array();
    }

    /**
     * Sends the ClientHello on a connected socket (where a handshake is due) and describes the
     * server's first record: {@link #PROTOCOL_VERSION_ALERT} for a refusal of the version, another
     * alert by its number, "handshake message N" for a ServerHello (2: the old version was taken), or
     * "closed without an answer".
     */
    public static String offer(Socket socket, String protocol) throws IOException {
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(clientHello(protocol));
        socket.getOutputStream().flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        try {
            int type = in.readUnsignedByte();
            in.readUnsignedShort(); // record version
            int length = in.readUnsignedShort();
            byte[] fragment = new byte[length];
            in.readFully(fragment);
            if (type == 21 && length == 2) {
                String level = fragment[0] == 2 ? "fatal" : "warning";
                int description = fragment[1] & 0xff;
                return level + " alert " + (description == 70 ? "protocol_version" : "number") + " (" + description
                        + ")";
            }
            if (type == 22 && length > 0) {
                return "handshake message " + (fragment[0] & 0xff);
            }
            return "record of type " + type + " and " + length + " bytes";
        } catch (EOFException closed) {
            return "closed without an answer";
        }
    }

    /**
     * Connects to an SMTP server, says EHLO, STARTTLS, and at its 220 offers {@code protocol}: the
     * answer as {@link #offer} describes it.
     */
    public static String offerAfterStartTls(InetSocketAddress server, String protocol) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, 10_000);
            socket.setSoTimeout(20_000);
            InputStream in = socket.getInputStream();
            expect(in, "220");
            socket.getOutputStream().write("EHLO legacy.test\r\n".getBytes(StandardCharsets.US_ASCII));
            expect(in, "250");
            socket.getOutputStream().write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            expect(in, "220");
            return offer(socket, protocol);
        }
    }

    /** Reads one (multi-line) reply byte by byte, so that nothing after it is consumed. */
    private static void expect(InputStream in, String code) throws IOException {
        while (true) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) {
                    throw new EOFException("connection closed, waiting for " + code);
                }
                line.write(b);
            }
            String text = line.toString(StandardCharsets.US_ASCII);
            if (!text.startsWith(code)) {
                throw new IOException("expected " + code + ", got: " + text.strip());
            }
            if (text.length() < 4 || text.charAt(3) != '-') {
                return;
            }
        }
    }
}
