package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContentCopyTest {

    private static byte[] written(ContentCopy copy, int total, long seed) {
        Random random = new Random(seed);
        byte[] content = new byte[total];
        random.nextBytes(content);
        // uneven writes, as the decoder hands them over, so that pieces are crossed at odd places
        for (int off = 0; off < total; ) {
            int n = Math.min(total - off, 1 + random.nextInt(9000));
            copy.write(content, off, n);
            off += n;
        }
        copy.finish();
        return content;
    }

    private static byte[] read(ContentCopy copy) throws IOException {
        try (InputStream in = copy.open()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    @Test
    void keepsSmallAndMediumContentInMemoryByteExact() throws IOException {
        for (int size : new int[] {0, 1, 8191, 8192, 8193, 100_000, ContentCopy.MEMORY_LIMIT}) {
            try (ContentCopy copy = new ContentCopy()) {
                byte[] content = written(copy, size, size);
                assertThat(read(copy)).as("%d octets", size).isEqualTo(content);
                // opened twice (two filters) it reads the same
                assertThat(read(copy)).isEqualTo(content);
            }
        }
    }

    @Test
    void movesLargeContentToAFileByteExactAndDeletesItAtTheEnd() throws IOException {
        ContentCopy copy = new ContentCopy();
        byte[] content = written(copy, ContentCopy.MEMORY_LIMIT + 70_001, 7);
        assertThat(read(copy)).isEqualTo(content);
        copy.close();
        assertThatThrownBy(copy::open).isInstanceOf(IOException.class);
    }
}
