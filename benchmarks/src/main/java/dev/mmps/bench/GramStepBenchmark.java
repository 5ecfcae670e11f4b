package dev.mmps.bench;

import dev.mmps.tensor.linalg.BlasGemm;
import dev.mmps.tensor.linalg.GramFactorizer;
import dev.mmps.tensor.linalg.LowRank;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.linalg.RankSelector;
import dev.mmps.tensor.linalg.SymmetricEigen;
import java.util.Random;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The parts of one step of the Gram route ({@code blas-gram}) on the unfoldings that dominate the 32x32x3 kernel
 * ({@code KernelSteps}: {@code L 64x24} at rank 8, {@code R 256x12} at rank 6, {@code L 48x12} at rank 1), in
 * microseconds on one thread: {@code factor} the whole step, {@code gram} the Gram matrix of the
 * smaller side ({@code dsyrk}), {@code eigenvalues} every eigenvalue of it (the Java solver, as the route uses below
 * order 64), {@code eigenvectors} the same plus the kept eigenvectors, {@code mapping} the product that carries them
 * to the larger side. The matrices are Gaussian with columns scaled by {@code exp(-0.2 j)}, a decaying spectrum
 * like an image's unfolding.
 *
 * <pre>
 * mvn -q -Pbench -pl tensor-core,benchmarks -am package -DskipTests
 * OPENBLAS_NUM_THREADS=1 java -jar benchmarks/target/benchmarks.jar GramStepBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
@Threads(1)
@State(Scope.Thread)
public class GramStepBenchmark {

    /** Rows x columns x kept rank. */
    @Param({"64x24x8", "256x12x6", "48x12x1"})
    public String step;

    private int rows;
    private int cols;
    private int rank;
    private int order;
    private double[] a;
    private double[] gram;
    private double[] values;
    private double[] vectors;
    private double[] mapped;
    private GramFactorizer factorizer;
    private BlasGemm products;
    private final SymmetricEigen eigen = new SymmetricEigen();
    private final LowRank out = new LowRank();
    private RankSelector kept;

    @Setup
    public void setUp() {
        String[] parts = step.split("x");
        rows = Integer.parseInt(parts[0]);
        cols = Integer.parseInt(parts[1]);
        rank = Integer.parseInt(parts[2]);
        order = Math.min(rows, cols);
        Random random = new Random(7);
        a = new double[rows * cols];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextGaussian() * Math.exp(-0.2 * (i % cols));
        }
        gram = new double[order * order];
        values = new double[order];
        vectors = new double[order * rank];
        mapped = new double[Math.max(rows, cols) * rank];
        factorizer = (GramFactorizer) LowRankFactorizers.create("blas-gram");
        products = new BlasGemm();
        int fixed = rank;
        kept = (spectrum, count, total) -> Math.min(fixed, count);
        products.multiply(a, true, a, false, cols, cols, rows, gram);
    }

    @TearDown
    public void tearDown() {
        factorizer.close();
        products.close();
    }

    @Benchmark
    public LowRank factor() {
        factorizer.factor(a, rows, cols, kept, out);
        return out;
    }

    @Benchmark
    public double[] gram() {
        products.multiply(a, true, a, false, cols, cols, rows, gram);
        return gram;
    }

    @Benchmark
    public double[] eigenvalues() {
        eigen.eigenvalues(gram, order, values);
        return values;
    }

    @Benchmark
    public double[] eigenvectors() {
        eigen.eigenvalues(gram, order, values);
        eigen.leadingVectors(rank, vectors);
        return vectors;
    }

    @Benchmark
    public double[] mapping() {
        products.multiply(a, false, vectors, false, rows, rank, cols, mapped);
        return mapped;
    }
}
