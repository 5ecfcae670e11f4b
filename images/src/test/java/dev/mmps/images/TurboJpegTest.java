package dev.mmps.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.Mat;

/**
 * The system's libjpeg-turbo against OpenCV's own build on the bundled JPEGs (200 CIFAR-10 images, 8 ImageNet
 * photographs): the same bytes at full size and at every DCT-domain reduction, in colour and in gray, and damaged
 * files left to OpenCV. CI installs the library ({@code .ci/run}); elsewhere these tests need it installed.
 */
class TurboJpegTest {

    private static List<Path> samples;

    @BeforeAll
    static void samples() throws IOException {
        assertNull(OpenCvDecoder.loadFailure(), "OpenCV's native library must load where the tests run");
        if (System.getenv("CI") != null) {
            assertNull(TurboJpeg.loadFailure(), "CI installs libturbojpeg-java and libturbojpeg0-dev");
        }
        assumeTrue(TurboJpeg.available(), () -> "the system's libjpeg-turbo is not installed: " + TurboJpeg.loadFailure());
        try (Stream<Path> cifar = Files.walk(Path.of("..", "samples", "cifar10"));
                Stream<Path> imagenet = Files.walk(Path.of("..", "samples", "imagenet"))) {
            samples = Stream.concat(cifar, imagenet).filter(Files::isRegularFile)
                    .filter(p -> p.toString().matches(".*\\.(jpg|JPEG)")).sorted().toList();
        }
        assertEquals(208, samples.size());
    }

    @Test
    void decodesTheSameBytesAsOpenCvAtEveryReduction() throws IOException {
        int compared = 0;
        for (Path file : samples) {
            byte[] bytes = Files.readAllBytes(file);
            ImageHeader header = ImageHeader.read(bytes);
            assertNotNull(header, file.toString());
            for (int k : new int[] {1, 2, 4, 8}) {
                for (boolean gray : new boolean[] {false, true}) {
                    Mat mat = TurboJpeg.decode(bytes, header.width(), header.height(), k, gray);
                    assertNotNull(mat, file + " at 1/" + k);
                    assertArrayEquals(pixels(OpenCvDecoder.imdecode(bytes, k, gray)), pixels(mat), file + " at 1/" + k + (gray ? ", gray" : ", colour"));
                    compared++;
                }
            }
        }
        assertEquals(208 * 8, compared);
    }

    @Test
    void leavesATruncatedFileToOpenCv() throws IOException {
        Path photo = samples.get(samples.size() - 1);
        byte[] whole = Files.readAllBytes(photo);
        ImageHeader header = ImageHeader.read(whole);
        byte[] cut = Arrays.copyOf(whole, whole.length * 2 / 3);
        assertNull(TurboJpeg.decode(cut, header.width(), header.height(), 1, false),
                "TurboJPEG warns about a truncated file");
        // OpenCV's decoder then takes it as before: the rows it has, gray below the cut, scaled and cropped.
        Preprocess preprocess = new Preprocess(64, 64, ChannelMode.RGB, ImageDecoder.DEFAULT_MAX_PIXELS,
                DecoderChoice.OPENCV);
        DecodedImage image = OpenCvDecoder.decode(cut, header, preprocess);
        assertNotNull(image, "OpenCV decodes what a truncated file holds");
        assertEquals(64 * 64 * 3, image.pixels().length);
    }

    /** The image's bytes; releases it. */
    private static byte[] pixels(Mat mat) {
        byte[] out = new byte[(int) (mat.total() * mat.channels())];
        mat.get(0, 0, out);
        mat.release();
        return out;
    }
}
