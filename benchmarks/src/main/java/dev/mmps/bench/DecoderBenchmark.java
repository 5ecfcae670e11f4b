package dev.mmps.bench;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecodedImage;
import dev.mmps.images.DecoderChoice;
import dev.mmps.images.ImageDecoder;
import dev.mmps.images.ImageFailure;
import dev.mmps.images.Preprocess;
import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.layout.ImageShape;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * JPEG files to the job's float pixels on one thread, three ways, in one run: ImageIO with
 * Thumbnailator (the decoder before OpenCV), OpenCV decoding every file at full size then area
 * resizing (written out here), and the {@code images} module with {@code decoder = opencv} (reduced
 * decoding where the size allows it, ImageIO for the files OpenCV does not read alike). The passes
 * alternate, the median pass counts. Then how much the module's images differ from ImageIO's, and the
 * mean PSNR of MMPS at ratio 0.3 on each (rank profile calibrated on 32 other images decoded the same way).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.mmps.bench.DecoderBenchmark --size 224 --cifar-images 2000
 * </pre>
 */
public final class DecoderBenchmark {

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private DecoderBenchmark() {}

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(LayoutStudy.option(args, "--size", "224"));
        int cifarImages = Integer.parseInt(LayoutStudy.option(args, "--cifar-images", "2000"));
        int rounds = Integer.parseInt(LayoutStudy.option(args, "--rounds", "3"));
        int psnrImages = Integer.parseInt(LayoutStudy.option(args, "--psnr-images", "100"));
        double ratio = Double.parseDouble(LayoutStudy.option(args, "--ratio", "0.3"));
        String loadFailure = Preprocess.openCvLoadFailure();
        if (loadFailure != null) {
            throw new IllegalStateException("OpenCV does not load: " + loadFailure);
        }
        List<byte[]> photos = files(SampleImages.datasets().resolve("imagenet-sample"), Integer.MAX_VALUE);
        List<byte[]> cifar = files(SampleImages.datasets().resolve("cifar10/test"), cifarImages);
        System.out.printf(Locale.ROOT, "one thread, CPU time; %d passes each, alternating, median; load average %.2f on %d cores%n",
                rounds, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors());

        Preprocess imageio = new Preprocess(size, size, ChannelMode.AUTO, ImageDecoder.DEFAULT_MAX_PIXELS,
                DecoderChoice.IMAGEIO);
        Preprocess opencv = new Preprocess(size, size, ChannelMode.AUTO, ImageDecoder.DEFAULT_MAX_PIXELS,
                DecoderChoice.OPENCV);
        Map<Integer, Integer> reductions = new TreeMap<>();
        for (byte[] photo : photos) {
            int[] dims = dimensions(photo);
            reductions.merge(opencv.jpegReduction(dims[0], dims[1]), 1, Integer::sum);
        }
        System.out.printf(Locale.ROOT, "%n%d ImageNet photographs to %dx%d; DCT-domain reduction chosen (scale: "
                + "photographs): %s%n", photos.size(), size, size, reductions);
        double[] photoMs = time(photos, rounds, List.of(imageio::apply, b -> fullOpenCv(b, size), opencv::apply));
        print(photoMs);

        Preprocess cifarImageio = new Preprocess(0, 0, ChannelMode.AUTO, ImageDecoder.DEFAULT_MAX_PIXELS,
                DecoderChoice.IMAGEIO);
        Preprocess cifarOpencv = new Preprocess(0, 0, ChannelMode.AUTO, ImageDecoder.DEFAULT_MAX_PIXELS,
                DecoderChoice.OPENCV);
        System.out.printf(Locale.ROOT, "%n%d CIFAR-10 test JPEGs at their own 32x32 (no resize, so no reduction)%n",
                cifar.size());
        double[] cifarMs = time(cifar, rounds, List.of(cifarImageio::apply, b -> fullOpenCv(b, 0), cifarOpencv::apply));
        print(cifarMs);

        System.out.printf(Locale.ROOT, "%nImageNet at %dx%d, module (opencv) against ImageIO:%n", size, size);
        List<float[]> a = decode(photos, imageio);
        List<float[]> b = decode(photos, opencv);
        double mad = 0;
        double psnr = 0;
        int identical = 0;
        for (int i = 0; i < a.size(); i++) {
            double[] d = difference(a.get(i), b.get(i));
            mad += d[0];
            if (Double.isInfinite(d[1])) {
                identical++;
            } else {
                psnr += d[1];
            }
        }
        System.out.printf(Locale.ROOT, "  mean absolute difference %.3f gray levels (0-255); mean PSNR between the two "
                + "%.2f dB over the %d that differ (%d identical)%n", mad / a.size(), psnr / (a.size() - identical),
                a.size() - identical, identical);
        List<float[]> ca = decode(cifar, cifarImageio);
        List<float[]> cb = decode(cifar, cifarOpencv);
        double cifarMad = 0;
        for (int i = 0; i < ca.size(); i++) {
            cifarMad += difference(ca.get(i), cb.get(i))[0];
        }
        System.out.printf(Locale.ROOT, "CIFAR-10: mean absolute difference %.4f gray levels%n", cifarMad / ca.size());

        ImageShape shape = new ImageShape(size, size, 3);
        int n = Math.min(psnrImages, a.size() - 32);
        System.out.printf(Locale.ROOT, "%nMMPS (K = 2) at ratio %.1f on %d photographs at %dx%d, profile calibrated on "
                + "the last 32 decoded the same way:%n", ratio, n, size, size);
        for (String name : List.of("imageio", "opencv")) {
            List<float[]> images = name.equals("imageio") ? a : b;
            List<float[]> colour = images.stream().filter(p -> p.length == shape.values()).toList();
            ImageCodec codec = CodecStudy.create("mmps", ratio, shape, colour.subList(colour.size() - 32, colour.size()));
            double sum = 0;
            for (float[] image : colour.subList(0, n)) {
                sum += codec.encode(image, shape).stats().psnrDb();
            }
            System.out.printf(Locale.ROOT, "  %-8s mean PSNR %.3f dB%n", name, sum / n);
        }
    }

    private interface Decoder {
        Object decode(byte[] bytes) throws ImageFailure;
    }

    /** Median CPU ms per image of each decoder, the passes alternating so that load on the machine is shared. */
    private static double[] time(List<byte[]> files, int rounds, List<Decoder> decoders) throws ImageFailure {
        double[][] ms = new double[decoders.size()][rounds];
        for (Decoder d : decoders) {
            for (byte[] f : files) {
                d.decode(f);
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < decoders.size(); k++) {
                // CPU time of this thread: on a machine shared with other work, wall time counts their turns too.
                long start = THREADS.getCurrentThreadCpuTime();
                for (byte[] f : files) {
                    d(decoders.get(k), f);
                }
                ms[k][r] = (THREADS.getCurrentThreadCpuTime() - start) / 1e6 / files.size();
            }
        }
        double[] median = new double[decoders.size()];
        for (int k = 0; k < median.length; k++) {
            Arrays.sort(ms[k]);
            median[k] = ms[k][rounds / 2];
        }
        return median;
    }

    private static void d(Decoder decoder, byte[] file) throws ImageFailure {
        decoder.decode(file);
    }

    private static void print(double[] ms) {
        String[] names = {"ImageIO + Thumbnailator", "OpenCV, full-size decode + area resize",
            "images module, decoder = opencv"};
        System.out.println("| decoder | CPU ms per image | ImageIO / this |");
        System.out.println("|---|---:|---:|");
        for (int k = 0; k < ms.length; k++) {
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.2fx |%n", names[k], ms[k], ms[0] / ms[k]);
        }
    }

    /** OpenCV on every file at full size (colour profiles ignored), scaled to cover and centre-cropped. */
    private static float[] fullOpenCv(byte[] bytes, int size) {
        MatOfByte encoded = new MatOfByte(bytes);
        Mat decoded = Imgcodecs.imdecode(encoded, Imgcodecs.IMREAD_COLOR | Imgcodecs.IMREAD_IGNORE_ORIENTATION);
        encoded.release();
        Mat out = decoded;
        Mat scaled = null;
        if (size > 0) {
            double scale = Math.max((double) size / decoded.cols(), (double) size / decoded.rows());
            int w = Math.max(size, (int) Math.round(decoded.cols() * scale));
            int h = Math.max(size, (int) Math.round(decoded.rows() * scale));
            scaled = new Mat();
            Imgproc.resize(decoded, scaled, new Size(w, h), 0, 0, Imgproc.INTER_AREA);
            out = scaled.submat(new Rect((w - size) / 2, (h - size) / 2, size, size)).clone();
        }
        byte[] data = new byte[(int) out.total() * out.channels()];
        out.get(0, 0, data);
        float[] p = new float[data.length];
        for (int i = 0; i < p.length; i += 3) {
            p[i] = (data[i + 2] & 0xff) / 255f;
            p[i + 1] = (data[i + 1] & 0xff) / 255f;
            p[i + 2] = (data[i] & 0xff) / 255f;
        }
        decoded.release();
        out.release();
        if (scaled != null) {
            scaled.release();
        }
        return p;
    }

    private static List<float[]> decode(List<byte[]> files, Preprocess preprocess) throws ImageFailure {
        List<float[]> out = new ArrayList<>();
        for (byte[] f : files) {
            DecodedImage image = preprocess.apply(f);
            out.add(image.pixels());
        }
        return out;
    }

    /** Mean absolute difference in gray levels and PSNR in dB (infinite when equal); shapes must agree. */
    private static double[] difference(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalStateException("the two decodings differ in shape");
        }
        double abs = 0;
        double se = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            abs += Math.abs(d);
            se += d * d;
        }
        double mse = se / a.length;
        return new double[] {abs / a.length * 255, mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(1 / mse)};
    }

    private static int[] dimensions(byte[] bytes) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            try {
                reader.setInput(in);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        }
    }

    private static List<byte[]> files(Path root, int limit) {
        try (Stream<Path> walk = Files.walk(root)) {
            List<byte[]> out = new ArrayList<>();
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted().limit(limit)::iterator) {
                out.add(Files.readAllBytes(p));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
