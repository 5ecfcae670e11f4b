package dev.mmps.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import dev.mmps.table.FactorTableReader;
import dev.mmps.tensor.Tolerance;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.TestData;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Dataset's batched rebuild on the DJL device against the Java reader, and originals against the table. */
class RebuildTest {

    /** The stored PSNR is rounded to float32 pixels on both sides; 0.01 dB is far below any codec's spread. */
    private static final double PSNR_TOLERANCE_DB = 0.01;

    @ParameterizedTest
    @ValueSource(strings = {"mmps-fp32", "mmps-int8", "mps-fp32", "svd-fp32", "cp-fp32", "tucker-fp32"})
    void datasetRebuildsWhatTheReaderRebuilds(String table) throws Exception {
        FactorSource source = FactorSource.open(TestData.table(table));
        Map<String, float[]> expected = new HashMap<>();
        try (FactorTableReader reader = FactorTableReader.open(TestData.table(table).toString(), new Configuration())) {
            reader.forEachRemaining(e -> expected.put(e.id(), reader.reconstruct(e)));
        }
        assertEquals(40, source.size());
        ImageShape shape = source.shape();
        SourceDataset dataset = new SourceDataset(source, SourceDataset.Options.inOrder(16));
        double worst = 0;
        int seen = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Batch batch : dataset.getData(manager)) {
                NDArray images = batch.getData().singletonOrThrow();
                assertEquals(new ai.djl.ndarray.types.Shape(batch.getSize(), shape.channels(), shape.height(),
                        shape.width()), images.getShape());
                float[] chw = images.toFloatArray();
                int per = shape.values();
                for (int b = 0; b < batch.getSize(); b++) {
                    float[] want = expected.get(source.id(seen + b));
                    for (int c = 0; c < shape.channels(); c++) {
                        for (int y = 0; y < shape.height(); y++) {
                            for (int x = 0; x < shape.width(); x++) {
                                float got = chw[b * per + (c * shape.height() + y) * shape.width() + x];
                                worst = Math.max(worst, Math.abs(got - want[(y * shape.width() + x) * shape.channels() + c]));
                            }
                        }
                    }
                }
                seen += batch.getSize();
                batch.close();
            }
        }
        assertEquals(40, seen);
        assertTrue(worst <= Tolerance.PIXEL_F32, table + ": largest pixel difference " + worst);
    }

    @Test
    void originalsShareIdsLabelsAndPixelsWithTheTable() {
        OriginalSource originals = OriginalReader.read(TestData.cifarSample());
        FactorSource table = FactorSource.open(TestData.table("mmps-fp32"));
        assertEquals(200, originals.size());
        assertEquals(new ImageShape(32, 32, 3), originals.shape());
        assertEquals(table.classes(), originals.classes());
        Map<String, Integer> byId = new HashMap<>();
        for (int i = 0; i < originals.size(); i++) {
            byId.put(originals.id(i), i);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < table.size(); i++) {
                int o = byId.get(table.id(i));
                assertEquals(table.label(i), originals.label(o), table.id(i));
                NDArray real = originals.images(manager, new int[] {o});
                NDArray rebuilt = table.images(manager, new int[] {i});
                double mse = real.sub(rebuilt).square().mean().getFloat();
                double psnr = 10 * Math.log10(1 / mse);
                assertEquals(table.row(i).psnrDb(), psnr, PSNR_TOLERANCE_DB, table.id(i));
            }
        }
    }
}
