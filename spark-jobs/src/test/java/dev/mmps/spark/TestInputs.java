package dev.mmps.spark;

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

    /** A PNG signature and IHDR chunk declaring a huge image, with no pixel data. */
    static byte[] pngHeader(int width, int height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        DataOutputStream c = new DataOutputStream(chunk);
        c.write("IHDR".getBytes(StandardCharsets.US_ASCII));
        c.writeInt(width);
        c.writeInt(height);
        c.write(new byte[] {8, 2, 0, 0, 0});
        byte[] data = chunk.toByteArray();
        out.writeInt(data.length - 4);
        out.write(data);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(data);
        out.writeInt((int) crc.getValue());
        return bytes.toByteArray();
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
