package dev.mmps.images;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The header's scan over compressed data, against a plain byte-by-byte reading of the JPEG rules. */
class ImageHeaderTest {

    @Test
    void theScanFindsTheMarkerAByteByByteReadingFinds() {
        Random random = new Random(11);
        byte[] tails = {0x00, (byte) 0xd0, (byte) 0xd7, (byte) 0xff, (byte) 0xd9, (byte) 0xc4, (byte) 0xda, 0x12};
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] data = new byte[1 + random.nextInt(80)];
            for (int i = 0; i < data.length; i++) {
                // Mostly ordinary bytes, with 0xff and what may follow it placed often enough to meet every case,
                // at every offset within and across blocks of eight.
                data[i] = random.nextInt(6) == 0 ? (byte) 0xff
                        : random.nextInt(4) == 0 ? tails[random.nextInt(tails.length)] : (byte) random.nextInt(0xff);
            }
            int start = random.nextInt(data.length);
            assertEquals(byteByByte(data, start), ImageHeader.skipEntropyData(data, start), "trial " + trial);
        }
    }

    /** Stuffed zeros and restart markers belong to the data; any other marker ends it; fill bytes are skipped. */
    private static int byteByByte(byte[] b, int i) {
        while (i + 1 < b.length) {
            if ((b[i] & 0xff) != 0xff) {
                i++;
            } else {
                int next = b[i + 1] & 0xff;
                if (next == 0x00 || (next >= 0xd0 && next <= 0xd7)) {
                    i += 2;
                } else if (next == 0xff) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }
}
