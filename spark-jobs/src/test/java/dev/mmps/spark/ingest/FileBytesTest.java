package dev.mmps.spark.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.images.ImageFailure;
import dev.mmps.spark.TestInputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** Reading a listed file whole, when it is as listed and when it changed after the listing. */
class FileBytesTest {

    private static final long LIMIT = 1 << 20;

    @Test
    void readsTheFileAsItIsWhateverTheListingSaw() throws Exception {
        Path dir = TestInputs.fresh("file-bytes");
        byte[] content = new byte[300_000];
        new Random(3).nextBytes(content);
        Path file = Files.write(dir.resolve("photo.jpg"), content);
        String uri = file.toUri().toString();
        Configuration conf = new Configuration();
        // As listed; listed shorter (the file grew since); listed longer (it shrank); listed empty.
        for (long listed : new long[] {content.length, 1_000, content.length + 5_000, 0}) {
            assertArrayEquals(content, FileBytes.read(uri, listed, LIMIT, conf), "listed " + listed);
        }
        Path empty = Files.write(dir.resolve("empty.jpg"), new byte[0]);
        assertEquals(0, FileBytes.read(empty.toUri().toString(), 0, LIMIT, conf).length);
    }

    @Test
    void aFileThatGrewPastTheLimitAfterTheListingIsRefused() throws Exception {
        Path dir = TestInputs.fresh("file-bytes-grew");
        Path file = Files.write(dir.resolve("grew.jpg"), new byte[(int) LIMIT + 10]);
        ImageFailure e = assertThrows(ImageFailure.class,
                () -> FileBytes.read(file.toUri().toString(), 100, LIMIT, new Configuration()));
        assertEquals(ImageFailure.Step.READ, e.step());
        assertTrue(e.getMessage().contains("bytes, more than the limit of " + LIMIT), e.getMessage());
        ImageFailure listed = assertThrows(ImageFailure.class,
                () -> FileBytes.read(file.toUri().toString(), LIMIT + 10, LIMIT, new Configuration()));
        assertTrue(listed.getMessage().contains("raise ingest.max-file-bytes"), listed.getMessage());
    }

    @Test
    void aFileGoneSinceTheListingSaysSo() throws Exception {
        Path gone = TestInputs.fresh("file-bytes-gone").resolve("gone.jpg");
        ImageFailure e = assertThrows(ImageFailure.class,
                () -> FileBytes.read(gone.toUri().toString(), 10, LIMIT, new Configuration()));
        assertTrue(e.getMessage().startsWith("file is gone"), e.getMessage());
    }
}
