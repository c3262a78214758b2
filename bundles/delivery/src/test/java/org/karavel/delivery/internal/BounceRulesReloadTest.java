package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.testkit.LogCapture;

/** The operator edits the rules file: the next failure uses the new rules, bad lines are skipped and named. */
class BounceRulesReloadTest {
    private static final String REMOTE = "mx.example.test[127.0.0.1]:25";
    private static final String REPLY = "550 5.7.1 Sorry, we do not like your face";

    @Test
    void anEditedFileAppliesToTheNextFailure(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("karavel.bounce-rules");
        Files.writeString(file, "policy_related code 5.7.*\n");
        BounceClassifier classifier = new BounceClassifier(file, Duration.ZERO);
        assertThat(classifier.classify("5.7.1", REPLY, REMOTE)).isEqualTo(BounceCategory.POLICY_RELATED);

        Files.writeString(file, "spam_related text do not like your face\npolicy_related code 5.7.*\n");
        touch(file, 10);
        assertThat(classifier.classify("5.7.1", REPLY, REMOTE)).isEqualTo(BounceCategory.SPAM_RELATED);

        Files.delete(file);
        // without its file the shipped rules apply again
        assertThat(classifier.classify("5.7.1", REPLY, REMOTE)).isEqualTo(BounceCategory.POLICY_RELATED);
    }

    @Test
    void badRulesAreLoggedWithFileAndLineAndSkipped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("karavel.bounce-rules");
        Files.writeString(file, "# rules\nother code 9.9.9\n");
        BounceClassifier classifier = new BounceClassifier(file, Duration.ZERO);
        try (LogCapture log = new LogCapture()) {
            Files.writeString(
                    file,
                    String.join(
                            "\n",
                            "# an operator's rules",
                            "spam_related text (unclosed",
                            "nonsense_category text whatever",
                            "rate_limited code 5.x.1",
                            "mailbox_full text over quota",
                            "invalid_recipient code 5.1.1",
                            ""));
            touch(file, 10);

            assertThat(classifier.classify("5.2.2", "552 5.2.2 over quota", REMOTE))
                    .isEqualTo(BounceCategory.MAILBOX_FULL);
            assertThat(classifier.classify("5.1.1", "550 5.1.1 who?", REMOTE))
                    .isEqualTo(BounceCategory.INVALID_RECIPIENT);
            // the skipped regex would have caught this; nothing else does
            assertThat(classifier.classify("5.7.1", "554 5.7.1 (unclosed", REMOTE))
                    .isEqualTo(BounceCategory.OTHER);
            assertThat(classifier.current().size()).isEqualTo(2);

            String text = log.text();
            assertThat(text.lines().filter(l -> l.contains("ERROR")))
                    .hasSize(3)
                    .anySatisfy(l -> assertThat(l).contains(file + ":2").contains("bad regular expression"))
                    .anySatisfy(l -> assertThat(l).contains(file + ":3").contains("unknown category"))
                    .anySatisfy(l -> assertThat(l).contains(file + ":4").contains("bad code pattern"));
        }
    }

    @Test
    void theFileIsLookedAtNoMoreOftenThanTheCheckInterval(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("karavel.bounce-rules");
        Files.writeString(file, "policy_related code 5.7.*\n");
        BounceClassifier classifier = new BounceClassifier(file, Duration.ofHours(1));
        Files.writeString(file, "spam_related code 5.7.*\n");
        touch(file, 10);
        assertThat(classifier.classify("5.7.1", REPLY, REMOTE)).isEqualTo(BounceCategory.POLICY_RELATED);
    }

    /** A modification time clearly after the last one, whatever the file system's granularity. */
    private static void touch(Path file, int seconds) throws Exception {
        FileTime now = Files.getLastModifiedTime(file);
        Files.setLastModifiedTime(file, FileTime.fromMillis(now.toMillis() + seconds * 1000L));
    }
}
