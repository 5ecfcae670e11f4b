package dev.mmps.bench;

import dev.mmps.tensor.layout.ImageShape;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Real images for benchmarks and studies, from the extracted shared datasets under
 * {@code target/datasets} (see BENCHMARKS.md for the extraction command).
 */
final class SampleImages {

    static final ImageShape CIFAR = new ImageShape(32, 32, 3);
    static final ImageShape IMAGENET_224 = new ImageShape(224, 224, 3);

    private SampleImages() {}

    static Path datasets() {
        Path root = Path.of(System.getProperty("mmps.datasets", "target/datasets"));
        if (!Files.isDirectory(root)) {
            root = Path.of("..").resolve(root);
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("no extracted datasets at " + root.toAbsolutePath()
                    + "; run scripts/extract-datasets.sh first or pass -Dmmps.datasets=DIR");
        }
        return root;
    }

    /** Up to {@code limit} CIFAR-10 test images, taken round-robin over the classes. */
    static List<float[]> cifarTest(int limit) {
        return cifar("test", limit);
    }

    /** Up to {@code limit} CIFAR-10 training images, taken round-robin over the classes. */
    static List<float[]> cifarTrain(int limit) {
        return cifar("train", limit);
    }

    private static List<float[]> cifar(String split, int limit) {
        Path test = datasets().resolve("cifar10/" + split);
        List<List<Path>> perClass = new ArrayList<>();
        try (Stream<Path> classes = Files.list(test).sorted()) {
            for (Path c : (Iterable<Path>) classes::iterator) {
                try (Stream<Path> files = Files.list(c).sorted()) {
                    perClass.add(files.toList());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<float[]> images = new ArrayList<>();
        for (int i = 0; images.size() < limit; i++) {
            boolean any = false;
            for (List<Path> files : perClass) {
                if (i < files.size() && images.size() < limit) {
                    images.add(pixels(read(files.get(i)), 32, 32));
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        return images;
    }

    /** Up to {@code limit} ImageNet sample photographs, shorter side to 224 and centre-cropped. */
    static List<float[]> imagenet224(int limit) {
        return imagenet224(0, limit);
    }

    /** ImageNet sample photographs from position {@code skip} in sorted path order. */
    static List<float[]> imagenet224(int skip, int limit) {
        return imagenet(224, skip, limit);
    }

    /** ImageNet sample photographs, shorter side to {@code size} and centre-cropped. */
    static List<float[]> imagenet(int size, int skip, int limit) {
        List<float[]> images = new ArrayList<>();
        int[] seen = {0};
        try (Stream<Path> files = Files.walk(datasets().resolve("imagenet-sample"))) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                if (images.size() >= limit) {
                    break;
                }
                if (seen[0]++ < skip) {
                    continue;
                }
                BufferedImage image = read(p);
                if (image != null) {
                    images.add(pixels(resizeAndCrop(image, size), size, size));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return images;
    }

    private static BufferedImage read(Path p) {
        try {
            return ImageIO.read(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BufferedImage resizeAndCrop(BufferedImage image, int size) {
        double scale = (double) size / Math.min(image.getWidth(), image.getHeight());
        int w = Math.max(size, (int) Math.round(image.getWidth() * scale));
        int h = Math.max(size, (int) Math.round(image.getHeight() * scale));
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, -(w - size) / 2, -(h - size) / 2, w, h, null);
        g.dispose();
        return out;
    }

    /** RGB pixels as HWC floats in [0, 1]. */
    static float[] pixels(BufferedImage image, int height, int width) {
        float[] p = new float[height * width * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = image.getRGB(x, y);
                int base = (y * width + x) * 3;
                p[base] = ((rgb >> 16) & 0xff) / 255f;
                p[base + 1] = ((rgb >> 8) & 0xff) / 255f;
                p[base + 2] = (rgb & 0xff) / 255f;
            }
        }
        return p;
    }
}
