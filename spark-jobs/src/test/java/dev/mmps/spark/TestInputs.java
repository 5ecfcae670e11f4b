package dev.mmps.spark;

import dev.mmps.images.HostileImages;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Builds test inputs under target/: real images copied from the sample that ships with the
 * project ({@code samples/}), and broken files made here, each broken in one known way.
 */
public final class TestInputs {

    /** The repository's sample folder, seen from the module. */
    public static final Path SAMPLES = Path.of("..", "samples").toAbsolutePath().normalize();

    private TestInputs() {}

    public static Path fresh(String name) {
        Path dir = Path.of("target", "test-data", name).toAbsolutePath();
        deleteRecursively(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Copies the first {@code perClass} CIFAR-10 sample images of every class. */
    public static void copyCifar(Path target, int perClass) throws IOException {
        Path cifar = SAMPLES.resolve("cifar10");
        try (Stream<Path> classes = Files.list(cifar)) {
            for (Path c : classes.sorted().toList()) {
                Path out = Files.createDirectories(target.resolve(c.getFileName().toString()));
                try (Stream<Path> files = Files.list(c)) {
                    for (Path f : files.sorted().limit(perClass).toList()) {
                        Files.copy(f, out.resolve(f.getFileName().toString()));
                    }
                }
            }
        }
    }

    /** Copies the ImageNet sample photographs (varied sizes, two grayscale, an apostrophe in a name). */
    public static void copyImagenet(Path target) throws IOException {
        Path root = SAMPLES.resolve("imagenet");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path out = target.resolve(root.relativize(f).toString());
                Files.createDirectories(out.getParent());
                Files.copy(f, out);
            }
        }
    }

    /**
     * Writes broken files into {@code folder} and returns their names: empty, truncated JPEG, text
     * named .jpg, random bytes, and a PNG whose header declares 100000 x 100000 pixels.
     */
    public static List<String> writeBroken(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path jpeg = SAMPLES.resolve("imagenet/n04162706/n04162706_seat_belt.JPEG");
        byte[] full = Files.readAllBytes(jpeg);
        Files.write(folder.resolve("empty.jpg"), new byte[0]);
        Files.write(folder.resolve("truncated.jpg"), java.util.Arrays.copyOf(full, full.length / 3));
        Files.writeString(folder.resolve("notes.jpg"), "this is a text file with an image's name\n");
        byte[] noise = new byte[4096];
        new java.util.Random(1).nextBytes(noise);
        Files.write(folder.resolve("noise.png"), noise);
        Files.write(folder.resolve("bomb.png"), pngHeader(100_000, 100_000));
        return List.of("empty.jpg", "truncated.jpg", "notes.jpg", "noise.png", "bomb.png");
    }

    /**
     * Writes the hostile set into an input tree that already holds images in {@code cat/} and
     * {@code dog/}, and returns the ids of the inputs that must end as factor rows and as error
     * rows. Awkward but genuine images (names with spaces, quotes, tabs, newlines, colons,
     * non-ASCII letters and a right-to-left override; alpha; 16 bits; CMYK) must compress; link
     * loops, second ways into a folder, broken links, a pipe, the broken files of
     * {@link #writeBroken} and a PNG too large to decode in the heap must be error rows.
     */
    public static Hostile writeHostile(Path input) throws IOException, InterruptedException {
        Path cat = input.resolve("cat");
        Path dog = input.resolve("dog");
        Path someCat;
        try (Stream<Path> files = Files.list(cat)) {
            someCat = files.sorted().findFirst().orElseThrow();
        }
        java.util.List<String> images = new java.util.ArrayList<>();
        for (String name : List.of("with space 'quote' \u00e9t\u00e9.jpg", "tab\tand\nnewline.jpg", "colon:name.jpg",
                "\u202eevil.jpg")) {
            Files.copy(someCat, cat.resolve(name));
            images.add("cat/" + name);
        }
        java.awt.image.BufferedImage rgb = javax.imageio.ImageIO.read(someCat.toFile());
        writePng(convert(rgb, java.awt.image.BufferedImage.TYPE_INT_ARGB), cat.resolve("alpha.png"));
        writePng(convert(rgb, java.awt.image.BufferedImage.TYPE_USHORT_GRAY), cat.resolve("sixteen.png"));
        Files.write(cat.resolve("cmyk.jpg"), HostileImages.cmykJpeg(32, 32));
        images.addAll(List.of("cat/alpha.png", "cat/sixteen.png", "cat/cmyk.jpg"));

        Files.createSymbolicLink(cat.resolve("loop"), input);
        Files.createSymbolicLink(dog.resolve("cats-again"), cat);
        Files.createSymbolicLink(dog.resolve("nowhere.jpg"), input.resolve("no-such-file.jpg"));
        Process fifo = new ProcessBuilder("mkfifo", dog.resolve("pipe.jpg").toString()).inheritIO().start();
        if (fifo.waitFor() != 0) {
            throw new IOException("mkfifo failed");
        }
        java.util.List<String> errors = new java.util.ArrayList<>(List.of("cat/loop", "dog/cats-again",
                "dog/nowhere.jpg", "dog/pipe.jpg"));
        for (String name : writeBroken(input.resolve("broken"))) {
            errors.add("broken/" + name);
        }
        Files.write(input.resolve("broken").resolve("deep.png"), HostileImages.pngHeader(9000, 9000, 16, 6));
        errors.add("broken/deep.png");
        return new Hostile(List.copyOf(images), List.copyOf(errors));
    }

    /** Ids of the hostile inputs that must be factor rows ({@code images}) and error rows. */
    public record Hostile(List<String> images, List<String> errors) {}

    private static java.awt.image.BufferedImage convert(java.awt.image.BufferedImage image, int type) {
        java.awt.image.BufferedImage out = new java.awt.image.BufferedImage(image.getWidth(), image.getHeight(), type);
        java.awt.Graphics2D g = out.createGraphics();
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return out;
    }

    private static void writePng(java.awt.image.BufferedImage image, Path file) throws IOException {
        if (!javax.imageio.ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer for image type " + image.getType());
        }
    }

    /** A PNG signature and IHDR chunk declaring a huge 8-bit RGB image, with no pixel data. */
    static byte[] pngHeader(int width, int height) throws IOException {
        return HostileImages.pngHeader(width, height, 8, 2);
    }

    /** Writes a gzipped IDX images file and labels file of {@code count} rows x cols images. */
    public static void writeIdx(Path folder, String prefix, int count, int rows, int cols) throws IOException {
        Files.createDirectories(folder);
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
                Files.newOutputStream(folder.resolve(prefix + "-images-idx3-ubyte.gz"))))) {
            out.writeInt(0x00000803);
            out.writeInt(count);
            out.writeInt(rows);
            out.writeInt(cols);
            for (int i = 0; i < count; i++) {
                for (int y = 0; y < rows; y++) {
                    for (int x = 0; x < cols; x++) {
                        out.write((i * 7 + y * 3 + x * 5 + (x * y) % 11) & 0xff);
                    }
                }
            }
        }
        try (OutputStream raw = Files.newOutputStream(folder.resolve(prefix + "-labels-idx1-ubyte.gz"));
                DataOutputStream out = new DataOutputStream(new GZIPOutputStream(raw))) {
            out.writeInt(0x00000801);
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                out.write(i % 10);
            }
        }
    }

    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
