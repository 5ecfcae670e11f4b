package dev.mmps.bench;

import dev.mmps.table.FactorFormat;
import dev.mmps.table.Precision;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.ImageRebuilder;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.MmpsFactors;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.BlasGemm;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.tt.MpsContractor;
import dev.mmps.tensor.tt.NativeMpsSum;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Microseconds to rebuild one real image from its factors (ratio 0.3, two stages, the automatic layout, as the
 * job writes them), on one thread: {@code rebuild} from decoded factors, {@code decodeAndRebuild} from the
 * stored float32 blobs of a row (what a reader does after Parquet), {@code products} the contraction alone
 * (the stages summed in layout order, no gathering into pixels, no image allocated). Routes: {@code native-float}, the readers'
 * single-precision OpenBLAS sum ({@link ImageRebuilder}); {@code blas-double}, the double-precision contractor
 * with OpenBLAS products the readers used before; {@code java-double}, the same with plain Java products.
 *
 * <pre>
 * mvn -q -Pbench -pl tensor-core,factor-table,benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar RebuildBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Threads(1)
@State(Scope.Thread)
public class RebuildBenchmark {

    @Param({"32x32x3", "224x224x3"})
    public String shape;

    @Param({"native-float", "blas-double", "java-double"})
    public String route;

    private final List<MmpsFactors> factors = new ArrayList<>();
    private final List<List<FactorFormat.StoredStage>> stored = new ArrayList<>();
    private TensorLayout layout;
    private ImageRebuilder rebuilder;
    private NativeMpsSum nativeSum;
    private float[] tensor;
    private MpsContractor contractor;
    private BlasGemm blas;
    private int next;

    @Setup
    public void setUp() {
        ImageShape imageShape = ImageShape.parse(shape);
        boolean cifar = imageShape.equals(SampleImages.CIFAR);
        List<float[]> images = cifar ? SampleImages.cifarTest(64) : SampleImages.imagenet224(16);
        List<float[]> samples = cifar ? SampleImages.cifarTrain(64) : SampleImages.imagenet224(784, 16);
        LayoutRequest request = LayoutRequest.auto();
        layout = request.resolve(imageShape);
        RankProfile profile = RankProfile.calibrate(samples, layout, 2, 0.3, LowRankFactorizers.create("auto"));
        MmpsCodec codec = new MmpsCodec(new CompressionSpec(request, new Truncation.TargetRatio(0.3, profile), 2),
                LowRankFactorizers.create("auto"));
        for (float[] image : images) {
            MmpsFactors f = (MmpsFactors) codec.compress(image, imageShape).factors();
            factors.add(f);
            stored.add(FactorFormat.encode(f, Precision.FP32));
        }
        switch (route) {
            case "native-float" -> {
                rebuilder = new ImageRebuilder(true);
                nativeSum = new NativeMpsSum();
                tensor = new float[layout.size()];
            }
            case "blas-double" -> contractor = new MpsContractor(blas = new BlasGemm());
            case "java-double" -> contractor = new MpsContractor();
            default -> throw new IllegalArgumentException("route " + route + ": use native-float, blas-double or java-double");
        }
        System.out.printf("%n%s: layout %s, stage bonds %s%n", shape, layout.spec(),
                factors.get(0).stages().stream().map(m -> java.util.Arrays.toString(m.bonds())).toList());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (rebuilder != null) {
            rebuilder.close();
            nativeSum.close();
        }
        if (blas != null) {
            blas.close();
        }
    }

    private float[] rebuild(MmpsFactors f) {
        return rebuilder != null ? rebuilder.reconstruct(f) : f.reconstruct(contractor);
    }

    @Benchmark
    public float rebuild() {
        MmpsFactors f = factors.get(next);
        next = (next + 1) % factors.size();
        return rebuild(f)[0];
    }

    /** The products alone: the stages summed into a tensor in layout order, without gathering pixels. */
    @Benchmark
    public double products() {
        MmpsFactors f = factors.get(next);
        next = (next + 1) % factors.size();
        if (nativeSum != null) {
            nativeSum.sum(f.stages(), tensor);
            return tensor[0];
        }
        return f.tensor(contractor)[0];
    }

    @Benchmark
    public float decodeAndRebuild() {
        List<FactorFormat.StoredStage> row = stored.get(next);
        next = (next + 1) % stored.size();
        return rebuild(FactorFormat.decode(layout, row))[0];
    }
}
