package dev.mmps.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenCV against ImageIO on the bundled samples (200 CIFAR-10 JPEGs, 8 ImageNet photographs) and on
 * odd files: the same pixels at full size, the same images up to the resize filter at a target size,
 * and the same failures and fallbacks.
 */
class OpenCvDecoderTest {

    /**
     * Gray levels (0-255) by which a full-size decoding may differ: none. Both decoders are libjpeg with
     * the same integer IDCT and the same upsampling, so colour JPEGs decode to the same bytes.
     */
    private static final double FULL_SIZE_LEVELS = 0;
    /**
     * Channel mode gray on colour JPEGs: OpenCV keeps libjpeg's Y channel, ImageIO computes luma from the
     * RGB it decoded, rounding twice. Measured: 0.034 levels on average over the samples, 0.59 at worst
     * for one image; allowed: 0.1 on average, 1 for any image.
     */
    private static final double GRAY_MEAN_LEVELS = 0.1;
    private static final double GRAY_IMAGE_LEVELS = 1;
    /**
     * A resized image: area averaging (OpenCV) against Thumbnailator's bilinear or stepwise bilinear on the
     * same pixel grid (with bilinear on both sides the difference is 0.09-0.14 levels, so the grid is the
     * same and the rest is the filter). Measured mean absolute difference 1.1-1.5 levels over the samples
     * at 224x224, 64x64 and 16x24, 6.1 at worst for one image; PSNR between the two 29.1 dB at worst.
     * Allowed: 2 levels on average, 27 dB for any image.
     */
    private static final double RESIZED_MEAN_LEVELS = 2;
    private static final double RESIZED_MIN_PSNR_DB = 27;

    /**
     * How far the Adobe RGB photograph's pixels move when its profile is applied: measured 1.22 levels mean
     * absolute difference at full size; this says the conversion happened at all.
     */
    private static final double PROFILE_EFFECT_LEVELS = 0.5;
    private static final Path ADOBE_RGB_PHOTO =
            Path.of("..", "samples", "imagenet", "n01798484", "n01798484_prairie_chicken.JPEG");

    private static final long LIMIT = ImageDecoder.DEFAULT_MAX_PIXELS;
    private static List<Path> samples;

    @BeforeAll
    static void samples() throws IOException {
        assertNull(OpenCvDecoder.loadFailure(), "OpenCV's native library must load where the tests run");
        try (Stream<Path> cifar = Files.walk(Path.of("..", "samples", "cifar10"));
                Stream<Path> imagenet = Files.walk(Path.of("..", "samples", "imagenet"))) {
            samples = Stream.concat(cifar, imagenet).filter(Files::isRegularFile)
                    .filter(p -> p.toString().matches(".*\\.(jpg|JPEG)")).sorted().toList();
        }
        assertEquals(208, samples.size());
    }

    private static Preprocess opencv(int h, int w, ChannelMode mode) {
        return new Preprocess(h, w, mode, LIMIT, DecoderChoice.OPENCV);
    }

    private static Preprocess imageio(int h, int w, ChannelMode mode) {
        return new Preprocess(h, w, mode, LIMIT, DecoderChoice.IMAGEIO);
    }

    @Test
    void fullSizeColourDecodingGivesImageIosPixels() throws Exception {
        int throughOpenCv = 0;
        for (Path file : samples) {
            byte[] bytes = Files.readAllBytes(file);
            throughOpenCv += ImageHeader.read(bytes) != null ? 1 : 0;
            for (ChannelMode mode : List.of(ChannelMode.AUTO, ChannelMode.RGB)) {
                DecodedImage a = opencv(0, 0, mode).apply(bytes);
                DecodedImage b = imageio(0, 0, mode).apply(bytes);
                assertEquals(b.shape(), a.shape(), file.toString());
                assertTrue(meanAbsLevels(a, b) <= FULL_SIZE_LEVELS, file.toString());
            }
        }
        // Two of the photographs carry a colour profile other than sRGB, applied after OpenCV: the same pixels too.
        assertEquals(samples.size(), throughOpenCv);
    }

    @Test
    void anEmbeddedProfileIsAppliedAsImageIoAppliesIt() throws Exception {
        // Adobe RGB (1998), in one APP2 chunk. Measured: 0.000 levels from ImageIO's at full size and 0.962 at
        // 224x224, against 1.222 and 1.424 without the conversion.
        byte[] adobe = Files.readAllBytes(ADOBE_RGB_PHOTO);
        ImageHeader header = ImageHeader.read(adobe);
        assertNotNull(header);
        assertNotNull(header.profile());
        byte[] stripped = withoutProfile(adobe);
        assertNull(ImageHeader.read(stripped).profile());
        for (int[] size : new int[][] {{0, 0}, {224, 224}}) {
            DecodedImage converted = opencv(size[0], size[1], ChannelMode.AUTO).apply(adobe);
            DecodedImage reference = imageio(size[0], size[1], ChannelMode.AUTO).apply(adobe);
            DecodedImage unconverted = opencv(size[0], size[1], ChannelMode.AUTO).apply(stripped);
            double off = meanAbsLevels(converted, reference);
            double offWithout = meanAbsLevels(unconverted, reference);
            if (size[0] == 0) {
                assertTrue(off <= FULL_SIZE_LEVELS, off + " levels");
                // The conversion is not the identity on this photograph: leaving it out differs.
                assertTrue(offWithout > PROFILE_EFFECT_LEVELS, offWithout + " levels");
            } else {
                // Converted after the resize: within the filters' difference, and nearer than without converting.
                assertTrue(off <= RESIZED_MEAN_LEVELS && off < offWithout, off + " against " + offWithout + " levels");
            }
        }
        // Gray levels of a converted image are ImageIO's to compute, exactly as before.
        assertArrayEquals(imageio(0, 0, ChannelMode.GRAY).apply(adobe).pixels(),
                opencv(0, 0, ChannelMode.GRAY).apply(adobe).pixels());
    }

    @Test
    void aProfileJavaCannotReadOrChunksOutOfOrderGoToImageIo() throws Exception {
        byte[] adobe = Files.readAllBytes(ADOBE_RGB_PHOTO);
        int app2 = indexOf(adobe, "ICC_PROFILE".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) - 4;
        // The profile's chunk numbered 2 of 1.
        byte[] misnumbered = adobe.clone();
        misnumbered[app2 + 4 + 12] = 2;
        assertNull(ImageHeader.read(misnumbered));
        // The profile's tag table overwritten: the header keeps it, Java2D refuses it, ImageIO decides.
        byte[] damaged = adobe.clone();
        Arrays.fill(damaged, app2 + 4 + 14 + 128, app2 + 4 + 14 + 160, (byte) 0x7f);
        assertNotNull(ImageHeader.read(damaged));
        for (byte[] bytes : List.of(misnumbered, damaged)) {
            DecodedImage expected = imageio(0, 0, ChannelMode.AUTO).apply(bytes);
            assertArrayEquals(expected.pixels(), opencv(0, 0, ChannelMode.AUTO).apply(bytes).pixels());
        }
    }

    @Test
    void grayModeKeepsTheLumaWithinRounding() throws Exception {
        double sum = 0;
        for (Path file : samples) {
            byte[] bytes = Files.readAllBytes(file);
            DecodedImage a = opencv(0, 0, ChannelMode.GRAY).apply(bytes);
            DecodedImage b = imageio(0, 0, ChannelMode.GRAY).apply(bytes);
            assertEquals(b.shape(), a.shape());
            double mad = meanAbsLevels(a, b);
            assertTrue(mad <= GRAY_IMAGE_LEVELS, file + ": " + mad);
            sum += mad;
        }
        assertTrue(sum / samples.size() <= GRAY_MEAN_LEVELS, "mean " + sum / samples.size());
    }

    @Test
    void aGrayscaleJpegStaysOneChannelAndColourBecomesRgbNotBgr() throws Exception {
        byte[] gray = Files.readAllBytes(Path.of("..", "samples", "imagenet", "n02096051", "n02096051_Airedale.JPEG"));
        assertEquals(1, opencv(0, 0, ChannelMode.AUTO).apply(gray).shape().channels());
        assertEquals(3, opencv(0, 0, ChannelMode.RGB).apply(gray).shape().channels());
        // A pure red JPEG: red stays in the first channel.
        BufferedImage red = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                red.setRGB(x, y, 0xff0000);
            }
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(red, "jpeg", jpeg);
        DecodedImage image = opencv(0, 0, ChannelMode.AUTO).apply(jpeg.toByteArray());
        assertNotNull(ImageHeader.read(jpeg.toByteArray()));
        assertTrue(image.pixels()[0] > 0.9f && image.pixels()[1] < 0.1f && image.pixels()[2] < 0.1f,
                Arrays.toString(Arrays.copyOf(image.pixels(), 3)));
    }

    @Test
    void resizedImagesDifferOnlyByTheFilter() throws Exception {
        for (int[] size : new int[][] {{224, 224}, {64, 64}, {16, 24}}) {
            double sum = 0;
            int n = 0;
            for (Path file : samples) {
                if (size[0] == 224 && file.toString().contains("cifar10")) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(file);
                DecodedImage a = opencv(size[0], size[1], ChannelMode.AUTO).apply(bytes);
                DecodedImage b = imageio(size[0], size[1], ChannelMode.AUTO).apply(bytes);
                assertEquals(b.shape(), a.shape(), file.toString());
                assertEquals(size[0], a.shape().height());
                assertEquals(size[1], a.shape().width());
                double psnr = psnr(a, b);
                assertTrue(psnr >= RESIZED_MIN_PSNR_DB, file + " at " + size[0] + "x" + size[1] + ": " + psnr + " dB");
                sum += meanAbsLevels(a, b);
                n++;
            }
            assertTrue(sum / n <= RESIZED_MEAN_LEVELS, size[0] + "x" + size[1] + ": mean " + sum / n);
        }
    }

    @Test
    void theReductionIsTheLargestThatStillCoversTheResize() {
        // 500x375 photographs to 224x224 need 299x224: no reduction leaves that much.
        assertEquals(1, OpenCvDecoder.reduction(500, 375, 224, 224));
        // 64x64 needs 85x64; a quarter leaves 125x94, an eighth 63x47.
        assertEquals(4, OpenCvDecoder.reduction(500, 375, 64, 64));
        assertEquals(2, OpenCvDecoder.reduction(1000, 750, 224, 224));
        assertEquals(8, OpenCvDecoder.reduction(4000, 3000, 224, 224));
        assertEquals(1, OpenCvDecoder.reduction(32, 32, 16, 24));
        assertEquals(1, OpenCvDecoder.reduction(4000, 3000, 0, 0));
        // libjpeg rounds reduced sides up: 449 / 2 gives 225, which still covers 224.
        assertEquals(2, OpenCvDecoder.reduction(449, 449, 224, 224));
        assertEquals(2, OpenCvDecoder.reduction(447, 447, 224, 224));
        assertEquals(1, OpenCvDecoder.reduction(446, 446, 224, 224));
        Random random = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            int w = 1 + random.nextInt(5000);
            int h = 1 + random.nextInt(5000);
            int th = 1 + random.nextInt(400);
            int tw = 1 + random.nextInt(400);
            int k = OpenCvDecoder.reduction(w, h, th, tw);
            int[] cover = OpenCvDecoder.coverSize(w, h, th, tw);
            assertTrue(k == 1 || (ceil(w, k) >= cover[0] && ceil(h, k) >= cover[1]), "too far: " + k);
            int next = 2 * k;
            assertTrue(k == 8 || ceil(w, next) < cover[0] || ceil(h, next) < cover[1], "not the largest: " + k);
        }
    }

    @Test
    void aReducedDecodingGivesWhatTheFullOneGives() throws Exception {
        // An 8-times larger copy of a photograph, so that 224x224 decodes at an eighth.
        byte[] photo = Files.readAllBytes(Path.of("..", "samples", "imagenet", "n04162706", "n04162706_seat_belt.JPEG"));
        BufferedImage small = ImageIO.read(new java.io.ByteArrayInputStream(photo));
        BufferedImage large = new BufferedImage(small.getWidth() * 8, small.getHeight() * 8, BufferedImage.TYPE_INT_RGB);
        var g = large.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(small, 0, 0, large.getWidth(), large.getHeight(), null);
        g.dispose();
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(large, "jpeg", jpeg);
        assertEquals(8, OpenCvDecoder.reduction(large.getWidth(), large.getHeight(), 224, 224));
        DecodedImage a = opencv(224, 224, ChannelMode.AUTO).apply(jpeg.toByteArray());
        DecodedImage b = imageio(224, 224, ChannelMode.AUTO).apply(jpeg.toByteArray());
        assertEquals(b.shape(), a.shape());
        assertTrue(psnr(a, b) >= RESIZED_MIN_PSNR_DB, psnr(a, b) + " dB");
        assertTrue(meanAbsLevels(a, b) <= RESIZED_MEAN_LEVELS, meanAbsLevels(a, b) + " levels");
    }

    @Test
    void exifOrientationIsIgnoredAsImageIoIgnoresIt() throws Exception {
        byte[] plain = Files.readAllBytes(Path.of("..", "samples", "cifar10", "cat", "0000.jpg"));
        byte[] rotated = withExifOrientation(plain, 6);
        assertNotNull(ImageHeader.read(rotated));
        DecodedImage a = opencv(0, 0, ChannelMode.AUTO).apply(rotated);
        assertArrayEquals(imageio(0, 0, ChannelMode.AUTO).apply(rotated).pixels(), a.pixels());
        assertArrayEquals(opencv(0, 0, ChannelMode.AUTO).apply(plain).pixels(), a.pixels());
    }

    @Test
    void eightBitPngsDecodeToTheSamePixels() throws Exception {
        BufferedImage source = ImageIO.read(Path.of("..", "samples", "cifar10", "cat", "0000.jpg").toFile());
        for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_BYTE_GRAY,
            BufferedImage.TYPE_BYTE_INDEXED, BufferedImage.TYPE_BYTE_BINARY}) {
            BufferedImage image = new BufferedImage(source.getWidth(), source.getHeight(), type);
            var g = image.createGraphics();
            g.drawImage(source, 0, 0, null);
            g.dispose();
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(image, "png", png);
            byte[] bytes = png.toByteArray();
            // A 1-bit gray PNG ImageIO reads with a palette, as colour: it stays with ImageIO.
            assertEquals(type != BufferedImage.TYPE_BYTE_BINARY, ImageHeader.read(bytes) != null, "type " + type);
            for (ChannelMode mode : ChannelMode.values()) {
                DecodedImage a = opencv(0, 0, mode).apply(bytes);
                DecodedImage b = imageio(0, 0, mode).apply(bytes);
                assertEquals(b.shape(), a.shape(), "type " + type + " " + mode);
                if (mode != ChannelMode.GRAY || type == BufferedImage.TYPE_BYTE_GRAY) {
                    assertArrayEquals(b.pixels(), a.pixels(), "type " + type + " " + mode);
                }
            }
        }
    }

    @Test
    void whatOpenCvDoesNotReadAlikeGoesToImageIo() throws Exception {
        List<byte[]> files = new ArrayList<>();
        files.add(HostileImages.cmykJpeg(48, 40));
        BufferedImage deep = new BufferedImage(40, 30, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                deep.getRaster().setSample(x, y, 0, x * 1600 + y * 7);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(deep, "png", png);
        files.add(png.toByteArray());
        for (byte[] bytes : files) {
            assertNull(ImageHeader.read(bytes));
            for (int[] size : new int[][] {{0, 0}, {24, 24}}) {
                for (ChannelMode mode : ChannelMode.values()) {
                    DecodedImage a = opencv(size[0], size[1], mode).apply(bytes);
                    DecodedImage b = imageio(size[0], size[1], mode).apply(bytes);
                    assertEquals(b.shape(), a.shape());
                    assertArrayEquals(b.pixels(), a.pixels());
                }
            }
        }
    }

    @Test
    void brokenFilesFailAsTheyDidWithImageIo() throws Exception {
        byte[] photo = Files.readAllBytes(Path.of("..", "samples", "imagenet", "n04162706", "n04162706_seat_belt.JPEG"));
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        byte[] flipped = photo.clone();
        flipped[flipped.length / 2] = (byte) 0xff;
        flipped[flipped.length / 2 + 1] = (byte) 0xc4;
        List<byte[]> broken = List.of(new byte[0], Arrays.copyOf(photo, photo.length / 3),
                Arrays.copyOf(photo, photo.length - 2), "a text file".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                noise, flipped, HostileImages.pngHeader(100_000, 100_000, 8, 2), HostileImages.pngHeader(9000, 9000, 16, 6),
                HostileImages.pngHeader(9000, 9000, 8, 6), HostileImages.pngHeader(20, 20, 8, 2));
        for (byte[] bytes : broken) {
            for (int[] size : new int[][] {{0, 0}, {224, 224}}) {
                ImageFailure expected = assertThrows(ImageFailure.class, () -> imageio(size[0], size[1],
                        ChannelMode.AUTO).apply(bytes));
                ImageFailure actual = assertThrows(ImageFailure.class, () -> opencv(size[0], size[1],
                        ChannelMode.AUTO).apply(bytes));
                assertEquals(expected.step(), actual.step(), actual.getMessage());
                assertEquals(expected.getMessage(), actual.getMessage());
            }
        }
    }

    @Test
    void theDecoderSettingIsSpelledOnce() {
        assertEquals(DecoderChoice.OPENCV, DecoderChoice.parse(" OpenCV "));
        assertEquals("imageio", DecoderChoice.IMAGEIO.label());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DecoderChoice.parse("turbo"));
        assertTrue(e.getMessage().contains("use auto, opencv or imageio"), e.getMessage());
        assertEquals("opencv", new Preprocess(0, 0, ChannelMode.AUTO, LIMIT).decoderInUse());
        assertEquals("imageio", imageio(0, 0, ChannelMode.AUTO).decoderInUse());
    }

    private static int ceil(int side, int k) {
        return (side + k - 1) / k;
    }

    private static double meanAbsLevels(DecodedImage a, DecodedImage b) {
        double sum = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            sum += Math.abs(a.pixels()[i] - b.pixels()[i]) * 255;
        }
        return sum / a.pixels().length;
    }

    private static double psnr(DecodedImage a, DecodedImage b) {
        double se = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            double d = a.pixels()[i] - b.pixels()[i];
            se += d * d;
        }
        double mse = se / a.pixels().length;
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(1 / mse);
    }

    private static int indexOf(byte[] data, byte[] what) {
        for (int i = 0; i + what.length <= data.length; i++) {
            if (Arrays.equals(data, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    /** The JPEG without its APP2 segments (the colour profile's chunks). */
    private static byte[] withoutProfile(byte[] jpeg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        int i = 2;
        while ((jpeg[i + 1] & 0xff) != 0xda) {
            int length = ((jpeg[i + 2] & 0xff) << 8) | (jpeg[i + 3] & 0xff);
            if ((jpeg[i + 1] & 0xff) != 0xe2) {
                out.write(jpeg, i, 2 + length);
            }
            i += 2 + length;
        }
        out.write(jpeg, i, jpeg.length - i);
        return out.toByteArray();
    }

    /** The JPEG with an EXIF block (APP1) saying how to turn it, placed after the start-of-image marker. */
    private static byte[] withExifOrientation(byte[] jpeg, int orientation) throws IOException {
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        var out = new java.io.DataOutputStream(tiff);
        out.writeBytes("MM");
        out.writeShort(42);
        out.writeInt(8);
        out.writeShort(1);
        out.writeShort(0x0112);
        out.writeShort(3);
        out.writeInt(1);
        out.writeShort(orientation);
        out.writeShort(0);
        out.writeInt(0);
        byte[] body = tiff.toByteArray();
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(jpeg, 0, 2);
        int length = 2 + 6 + body.length;
        file.write(new byte[] {(byte) 0xff, (byte) 0xe1, (byte) (length >> 8), (byte) length});
        file.write(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        file.write(body);
        file.write(jpeg, 2, jpeg.length - 2);
        return file.toByteArray();
    }
}
