package dev.mmps.bench;

import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Microseconds to compress one real image at target ratio 0.3 with two stages (the default
 * layout, rank profile calibrated on other images of the dataset), per SVD route, on one thread.
 *
 * <pre>
 * mvn -q -Pbench package -DskipTests
 * OPENBLAS_NUM_THREADS=1 java -jar benchmarks/target/benchmarks.jar CompressBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Threads(1)
@State(Scope.Thread)
public class CompressBenchmark {

    @Param({"32x32x3", "224x224x3"})
    public String shape;

    @Param({"auto", "java-gram", "blas-gram", "lapack-gram", "lapack-svd", "randomized", "nd4j"})
    public String route;

    @Param({"2"})
    public int stages;

    @Param({"0.3"})
    public double ratio;

    private ImageShape imageShape;
    private List<float[]> images;
    private MmpsCodec codec;
    private int next;

    @Setup
    public void setUp() {
        imageShape = ImageShape.parse(shape);
        boolean cifar = imageShape.equals(SampleImages.CIFAR);
        images = cifar ? SampleImages.cifarTest(256) : SampleImages.imagenet224(32);
        List<float[]> samples = cifar ? SampleImages.cifarTrain(64) : SampleImages.imagenet224(784, 16);
        LayoutRequest layout = LayoutRequest.auto();
        TensorLayout resolved = layout.resolve(imageShape);
        RankProfile profile = RankProfile.calibrate(samples, resolved, stages, ratio,
                LowRankFactorizers.create("auto"));
        codec = new MmpsCodec(new CompressionSpec(layout, new Truncation.TargetRatio(ratio, profile), stages),
                LowRankFactorizers.create(route));
    }

    @Benchmark
    public double compress() {
        float[] image = images.get(next);
        next = (next + 1) % images.size();
        return codec.compress(image, imageShape).stats().psnrDb();
    }
}
