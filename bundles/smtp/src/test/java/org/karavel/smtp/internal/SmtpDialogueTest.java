package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every dialogue file under src/test/resources/dialogues against an in-process session (no
 * socket): the syntax, sequence, BDAT and limit cases. The format is in {@link DialogueFile} and the
 * bundle's README; a failure names the file and line and prints the transcript.
 */
class SmtpDialogueTest {

    static Stream<Named<Path>> dialogues() throws IOException, URISyntaxException {
        URL dir = SmtpDialogueTest.class.getResource("/dialogues");
        assertThat(dir)
                .as("src/test/resources/dialogues on the test class path")
                .isNotNull();
        List<Path> files;
        try (Stream<Path> list = Files.list(Path.of(dir.toURI()))) {
            files = list.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertThat(files).as("dialogue files").isNotEmpty();
        return files.stream().map(p -> Named.of(p.getFileName().toString(), p));
    }

    // the runner itself must be able to fail: a wrong reply, an unexpected reply, a failed check

    @Test
    void aReplyThatDiffersFailsWithItsFileLineAndTheTranscript() {
        DialogueFile wrong = DialogueFile.of(
                "self.txt", "# a wrong reply", "S: 220 mx.test.example ESMTP Karavel", "C: NOOP", "S: 250 2.0.0 Okay");
        assertThatThrownBy(wrong::run)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("self.txt:4: expected S: 250 2.0.0 Okay\n  but got   250 2.0.0 Ok")
                .hasMessageContaining("a wrong reply")
                .hasMessageContaining("  S: 220 mx.test.example ESMTP Karavel\n  C: NOOP\n  S: 250 2.0.0 Ok\n");
    }

    @Test
    void aReplyNoLineExpectedFails() {
        DialogueFile unexpected =
                DialogueFile.of("self.txt", "# NOOP is answered", "S: 220 mx.test.example ESMTP Karavel", "C: NOOP");
        assertThatThrownBy(unexpected::run)
                .hasMessageContaining("self.txt:3: a reply no S: line expected: 250 2.0.0 Ok");
        DialogueFile greeting = DialogueFile.of("self.txt", "# the greeting is a reply too", "C: NOOP");
        assertThatThrownBy(greeting::run)
                .hasMessageContaining("self.txt:2: a reply no S: line expected: 220 mx.test.example ESMTP Karavel");
    }

    @Test
    void aFailedCheckFails() {
        DialogueFile check =
                DialogueFile.of("self.txt", "# nothing was sent", "S~ 220 .* ESMTP Karavel", "! queued 1", "! closed");
        assertThatThrownBy(check::run).hasMessageContaining("self.txt:3: check failed: ! queued 1");
        DialogueFile open = DialogueFile.of("self.txt", "# still open", "S^ 220 mx.test", "! closed");
        assertThatThrownBy(open::run).hasMessageContaining("self.txt:3: check failed: ! closed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dialogues")
    void dialogue(Path file) throws IOException {
        DialogueFile.read(file, "dialogues/" + file.getFileName()).run();
    }
}
