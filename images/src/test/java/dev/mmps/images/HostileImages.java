package dev.mmps.images;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Image files made in the tests, each odd in one known way. */
public final class HostileImages {

    private HostileImages() {}

    /** A PNG signature and IHDR chunk (bit depth, colour type), with no pixel data. */
    public static byte[] pngHeader(int width, int height, int bitDepth, int colourType) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        DataOutputStream c = new DataOutputStream(chunk);
        c.write("IHDR".getBytes(StandardCharsets.US_ASCII));
        c.writeInt(width);
        c.writeInt(height);
        c.write(new byte[] {(byte) bitDepth, (byte) colourType, 0, 0, 0});
        byte[] data = chunk.toByteArray();
        out.writeInt(data.length - 4);
        out.write(data);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(data);
        out.writeInt((int) crc.getValue());
        return bytes.toByteArray();
    }

    /**
     * A 4-channel JPEG marked as Adobe CMYK (APP14, transform 0), the form print workflows
     * produce; the JDK writes the channels, the marker is added here.
     */
    public static byte[] cmykJpeg(int width, int height) throws IOException {
        java.awt.image.WritableRaster raster = java.awt.image.Raster.createInterleavedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, width, height, 4, null);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                raster.setPixel(x, y, new int[] {x * 255 / width, y * 255 / height, 96, 32});
            }
        }
        javax.imageio.ImageWriter writer = null;
        for (var it = javax.imageio.ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
            javax.imageio.ImageWriter w = it.next();
            if (w.getClass().getName().startsWith("com.sun.")) {
                writer = w;
            }
        }
        if (writer == null) {
            throw new IOException("the JDK's JPEG writer is missing");
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        try (var out = javax.imageio.ImageIO.createImageOutputStream(jpeg)) {
            writer.setOutput(out);
            writer.write(null, new javax.imageio.IIOImage(raster, null, null), null);
        } finally {
            writer.dispose();
        }
        byte[] body = jpeg.toByteArray();
        byte[] adobe = {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
        ByteArrayOutputStream marked = new ByteArrayOutputStream();
        marked.write(body, 0, 2);
        marked.write(new byte[] {(byte) 0xff, (byte) 0xee, 0, (byte) (adobe.length + 2)});
        marked.write(adobe);
        marked.write(body, 2, body.length - 2);
        return marked.toByteArray();
    }

}
