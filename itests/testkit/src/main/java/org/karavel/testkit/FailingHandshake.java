package org.karavel.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * The ways a TLS handshake fails on the Internet, played on a connected socket at the point where
 * the client's ClientHello is due (at once on port 465, after the 220 to STARTTLS on 25 and 587):
 * what scanners, old clients and dropped connections do. Each ends with the socket closed.
 */
public enum FailingHandshake {
    /** Plain text where the ClientHello belongs; the server's TLS layer refuses it. */
    GARBAGE {
        @Override
        public void play(Socket s) throws IOException {
            s.getOutputStream().write("HELLO I AM NOT TLS\r\n".getBytes(StandardCharsets.US_ASCII));
            drain(s);
        }
    },
    /** A client offering only TLS 1.0 (one CBC suite, no extensions), which the server does not speak. */
    TLS_1_0_ONLY {
        @Override
        public void play(Socket s) throws IOException {
            s.getOutputStream().write(tls10ClientHello());
            drain(s);
        }
    },
    /** A real ClientHello, then a close as soon as the server's answer starts (FIN mid-handshake). */
    CLOSE_MID_HANDSHAKE {
        @Override
        public void play(Socket s) throws IOException {
            s.getOutputStream().write(clientHello());
            s.getInputStream().read();
            s.close();
        }
    },
    /** The same, ended with a TCP reset instead of a close. */
    RESET_MID_HANDSHAKE {
        @Override
        public void play(Socket s) throws IOException {
            s.getOutputStream().write(clientHello());
            s.getInputStream().read();
            s.setSoLinger(true, 0);
            s.close();
        }
    };

    /** Plays this failure on the socket and closes it. */
    public abstract void play(Socket s) throws IOException;

    /** A real ClientHello of the JDK's TLS client (TLS 1.3 and 1.2), as the first flight of a handshake. */
    public static byte[] clientHello() throws IOException {
        try {
            SSLEngine engine = SSLContext.getDefault().createSSLEngine("127.0.0.1", 25);
            engine.setUseClientMode(true);
            engine.beginHandshake();
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), out);
            out.flip();
            byte[] b = new byte[out.remaining()];
            out.get(b);
            return b;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** A TLS 1.0 ClientHello (the JDK's own client refuses to send one, so it is written by hand). */
    public static byte[] tls10ClientHello() {
        ByteBuffer hello = ByteBuffer.allocate(64);
        hello.put(new byte[] {0x03, 0x01}); // client_version TLS 1.0
        hello.put(new byte[32]); // random
        hello.put((byte) 0); // no session id
        hello.putShort((short) 2).putShort((short) 0x002f); // TLS_RSA_WITH_AES_128_CBC_SHA
        hello.put((byte) 1).put((byte) 0); // compression: null only
        hello.flip();
        int body = hello.remaining();
        ByteBuffer record = ByteBuffer.allocate(5 + 4 + body);
        record.put((byte) 0x16).put(new byte[] {0x03, 0x01}).putShort((short) (4 + body)); // handshake record
        record.put((byte) 1).put((byte) 0).putShort((short) body).put(hello); // ClientHello
        return record.array();
    }

    /** Reads until the server closes (or resets), then closes this side. */
    private static void drain(Socket s) throws IOException {
        try {
            InputStream in = s.getInputStream();
            byte[] b = new byte[4096];
            while (in.read(b) >= 0) {
                // the server's alert, then the end
            }
        } catch (IOException e) {
            // a reset also ends it
        } finally {
            s.close();
        }
    }
}
