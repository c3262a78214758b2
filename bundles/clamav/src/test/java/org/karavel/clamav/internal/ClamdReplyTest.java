package org.karavel.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.karavel.clamav.internal.ClamdReply.Kind;

class ClamdReplyTest {
    @Test
    void okIsClean() {
        assertThat(ClamdReply.parse("stream: OK").kind()).isEqualTo(Kind.CLEAN);
        assertThat(ClamdReply.parse("stream: OK\n").kind()).isEqualTo(Kind.CLEAN);
    }

    @Test
    void foundNamesTheSignature() {
        ClamdReply r = ClamdReply.parse("stream: Win.Test.EICAR_HDB-1 FOUND");
        assertThat(r.kind()).isEqualTo(Kind.FOUND);
        assertThat(r.signature()).isEqualTo("Win.Test.EICAR_HDB-1");
    }

    @Test
    void sizeLimitIsTooLarge() {
        assertThat(ClamdReply.parse("INSTREAM size limit exceeded. ERROR").kind())
                .isEqualTo(Kind.TOO_LARGE);
    }

    @Test
    void anythingElseIsAnError() {
        assertThat(ClamdReply.parse("stream: lstat() failed: No such file or directory. ERROR")
                        .kind())
                .isEqualTo(Kind.ERROR);
        assertThat(ClamdReply.parse("UNKNOWN COMMAND").kind()).isEqualTo(Kind.ERROR);
        assertThat(ClamdReply.parse("stream:  FOUND").kind()).isEqualTo(Kind.ERROR);
        assertThat(ClamdReply.parse("PONG").kind()).isEqualTo(Kind.ERROR);
        assertThat(ClamdReply.parse("").kind()).isEqualTo(Kind.ERROR);
    }
}
