package dev.mmps.spark.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.Preprocess;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import dev.mmps.spark.sink.ErrorParts;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.table.Precision;
import dev.mmps.tensor.codec.CodecChoice;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.junit.jupiter.api.Test;

/**
 * A bug in mmps fails the task (so Spark retries it, then fails the job with the trace) instead of
 * turning into an error row of a table that looks complete; a broken input still becomes its error row.
 * The compress stage runs on the tests' real SparkSession over real JPEGs, with a codec that has a
 * planted defect: a NullPointerException on one image.
 */
class DefectsFailTheTaskTest {

    private static final StructType LISTING = new StructType().add("path", DataTypes.StringType)
            .add("modificationTime", DataTypes.TimestampType).add("length", DataTypes.LongType);

    /** MMPS, except that it throws a NullPointerException on the image whose pixels hash to {@code victim}. */
    private record PlantedDefect(int victim) implements ImageCodec.Factory {
        @Override
        public ImageCodec create(CompressionSpec spec, LowRankFactorizer factorizer) {
            ImageCodec mmps = CodecChoice.mmps().create(spec, factorizer);
            return new ImageCodec() {
                @Override
                public String name() {
                    return mmps.name();
                }

                @Override
                public Encoding encode(float[] pixels, ImageShape shape) {
                    if (Arrays.hashCode(pixels) == victim) {
                        throw new NullPointerException("planted defect");
                    }
                    return mmps.encode(pixels, shape);
                }
            };
        }
    }

    @Test
    void aDefectFailsTheTaskWhereABrokenInputIsAnErrorRow() throws Exception {
        Path input = TestInputs.fresh("planted-defect");
        TestInputs.copyCifar(input, 1);
        Files.write(input.resolve("cat").resolve("truncated.jpg"), Arrays.copyOf(
                Files.readAllBytes(TestInputs.SAMPLES.resolve("imagenet/n04162706/n04162706_seat_belt.JPEG")), 300));
        List<Row> listing = new ArrayList<>();
        try (Stream<Path> files = Files.walk(input)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                listing.add(RowFactory.create(f.toUri().toString(), new Timestamp(Files.getLastModifiedTime(f).toMillis()),
                        Files.size(f)));
            }
        }
        Preprocess preprocess = new Preprocess(0, 0, ChannelMode.AUTO, 100_000_000L);
        Path victim = input.resolve("dog").toFile().listFiles()[0].toPath();
        int victimHash = Arrays.hashCode(preprocess.apply(Files.readAllBytes(victim)).pixels());

        SparkSession spark = SparkTestSession.get();
        Dataset<Row> files = spark.createDataFrame(listing, LISTING).repartition(2);
        assertEquals(10, compress(spark, files, input, CodecChoice.mmps()),
                "ten images become rows and the truncated file an error row");
        SparkException failed = assertThrows(SparkException.class,
                () -> compress(spark, files, input, new PlantedDefect(victimHash)));
        assertTrue(causes(failed).stream().anyMatch(t -> t instanceof NullPointerException
                && "planted defect".equals(t.getMessage())), "the job fails with the defect's trace: " + failed);
    }

    /** Runs the compress stage over the files and returns how many factor rows it made. */
    private static long compress(SparkSession spark, Dataset<Row> files, Path input, ImageCodec.Factory codec) {
        StageSettings settings = new StageSettings(CompressionSpec.defaults(), codec, Precision.FP32, "auto",
                new Preprocess(0, 0, ChannelMode.AUTO, 100_000_000L), 1L << 27, input.toUri().toString(),
                Map.of("airplane", 0, "automobile", 1, "bird", 2, "cat", 3, "deer", 4, "dog", 5, "frog", 6, "horse", 7,
                        "ship", 8, "truck", 9), new ImageShape(32, 32, 3));
        var broadcast = spark.sparkContext().broadcast(settings, scala.reflect.ClassTag$.MODULE$.apply(
                StageSettings.class));
        var hadoop = spark.sparkContext().broadcast(new SerializableConfiguration(
                spark.sparkContext().hadoopConfiguration()), scala.reflect.ClassTag$.MODULE$.apply(
                        SerializableConfiguration.class));
        Accumulators accumulators = Accumulators.register(spark.sparkContext(),
                new ErrorParts(TestInputs.fresh("planted-defect-errors").toUri().toString()));
        long rows = files.mapPartitions(new ImageFilesStage(broadcast, hadoop, accumulators),
                Encoders.row(FactorRows.FACTORS)).count();
        assertEquals(1, accumulators.errors().read(spark).count(), "the truncated JPEG is an error row");
        return rows;
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        return chain;
    }
}
