package org.karavel.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.karavel.clamav.internal.ClamdReply.Kind;

/** The framing of zINSTREAM, seen from a loopback server that decodes it. */
class ClamdProtocolTest {
    @Test
    void contentGoesInChunksEndedByAZeroLength() throws IOException {
        byte[] content = new byte[2 * ClamdProtocol.CHUNK + 12345];
        new Random(7).nextBytes(content);
        try (ScriptedClamd clamd = new ScriptedClamd("stream: OK");
                SocketChannel ch = connect(clamd.address())) {
            ClamdReply r = ClamdProtocol.instream(ch, new ByteArrayInputStream(content));

            assertThat(r.kind()).isEqualTo(Kind.CLEAN);
            assertThat(clamd.chunkSizes()).containsExactly(ClamdProtocol.CHUNK, ClamdProtocol.CHUNK, 12345);
            assertThat(clamd.received()).singleElement().isEqualTo(content);
        }
    }

    @Test
    void emptyContentIsTheZeroLengthChunkAlone() throws IOException {
        try (ScriptedClamd clamd = new ScriptedClamd("stream: OK");
                SocketChannel ch = connect(clamd.address())) {
            assertThat(ClamdProtocol.instream(ch, new ByteArrayInputStream(new byte[0]))
                            .kind())
                    .isEqualTo(Kind.CLEAN);
            assertThat(clamd.chunkSizes()).isEmpty();
            assertThat(clamd.received()).singleElement().isEqualTo(new byte[0]);
        }
    }

    @Test
    void theAnswerEndsAtItsNul() throws IOException {
        try (ScriptedClamd clamd = new ScriptedClamd("stream: Some.Sig FOUND");
                SocketChannel ch = connect(clamd.address())) {
            ClamdReply r = ClamdProtocol.instream(ch, new ByteArrayInputStream(new byte[] {1, 2, 3}));
            assertThat(r.kind()).isEqualTo(Kind.FOUND);
            assertThat(r.signature()).isEqualTo("Some.Sig");
        }
    }

    @Test
    void anEndlessAnswerIsRefused() throws IOException {
        try (ScriptedClamd clamd = new ScriptedClamd("x".repeat(ClamdProtocol.MAX_ANSWER + 10));
                SocketChannel ch = connect(clamd.address())) {
            assertThatThrownBy(() -> ClamdProtocol.instream(ch, new ByteArrayInputStream(new byte[] {1})))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("longer than");
        }
    }

    @Test
    void closingWithoutAnAnswerIsAFailure() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                SocketChannel ch = connect(ClamdAddress.parse("tcp:127.0.0.1:" + server.getLocalPort()))) {
            try (Socket s = server.accept()) {
                s.shutdownOutput();
            }
            assertThatThrownBy(() -> ClamdProtocol.readAnswer(ch)).isInstanceOf(EOFException.class);
        }
    }

    private static SocketChannel connect(ClamdAddress address) throws IOException {
        SocketChannel ch = address.newChannel();
        address.connect(ch);
        return ch;
    }
}
