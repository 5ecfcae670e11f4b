package dev.mmps.tensor.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.TestImages;
import dev.mmps.tensor.Tolerance;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The randomized route against the exact one and against brute force: where it sketches, the kept subspace
 * holds the leading singular directions, the factors obey {@link LowRank}'s contract and the discarded energy
 * is exact; where it does not, its output is the exact route's, bit for bit.
 */
class RandomizedFactorizerTest {

    /**
     * Energy a sketch with the default power iterations may miss, relative to what the exact truncation discards,
     * on a spectrum falling by 0.7 a step (the sketch's error bound at 8 extra columns is far below this).
     */
    private static final double SKETCH_EXCESS = 1e-6;
    /** Mean PSNR the randomized route may give up against the exact one on an image (issue target 0.05 dB). */
    private static final double PSNR_LOSS_DB = 0.05;

    @ParameterizedTest(name = "from the left: {0}")
    @ValueSource(booleans = {true, false})
    void aSketchRecoversAnExactlyLowRankMatrix(boolean left) {
        int rows = 300;
        int cols = 200;
        double[] a = TestImages.lowRank(rows, cols, 5, new Random(3));
        LowRank out = factor("randomized", a, rows, cols, RankSelector.atMost(8), left);
        assertEquals(8 + RandomizedFactorizer.OVERSAMPLING, out.spectrumLength(), "the sketch ran");
        LowRank reference = factor("lapack-svd", a, rows, cols, RankSelector.atMost(8), left);
        for (int i = 0; i < 8; i++) {
            assertEquals(reference.sigmaSquared()[i], out.sigmaSquared()[i],
                    Tolerance.SPECTRUM * reference.sigmaSquared()[0], "sigma^2[" + i + "]");
        }
        assertEquals(0, out.discardedEnergy(), Tolerance.F64 * out.totalEnergy());
        assertEquals(0, residualEnergy(a, rows, cols, out, left), Tolerance.F64 * out.totalEnergy());
    }

    @ParameterizedTest(name = "from the left: {0}")
    @ValueSource(booleans = {true, false})
    void aSketchKeepsTheLeadingSubspaceOfADecayingSpectrum(boolean left) {
        int rows = 240;
        int cols = 160;
        double[] a = decaying(rows, cols, 0.7, new Random(11));
        int cap = 20;
        LowRank out = factor("randomized", a, rows, cols, RankSelector.atMost(cap), left);
        LowRank exact = factor("lapack-svd", a, rows, cols, RankSelector.atMost(cap), left);
        assertEquals(cap + RandomizedFactorizer.OVERSAMPLING, out.spectrumLength(), "the sketch ran");
        assertEquals(cap, out.rank());

        int basisRows = left ? rows : cols;
        assertOrthonormal(out.u(), basisRows, cap);
        assertSignConvention(out.u(), basisRows, cap);
        // The discarded energy it reports is the true error of U W, and at most a hair above the optimum.
        double residual = residualEnergy(a, rows, cols, out, left);
        assertEquals(residual, out.discardedEnergy(), Tolerance.F64 * out.totalEnergy());
        assertTrue(residual >= exact.discardedEnergy() * (1 - Tolerance.F64), "cannot beat Eckart-Young");
        assertEquals(exact.discardedEnergy(), residual, SKETCH_EXCESS * exact.discardedEnergy());
        // So its basis is the exact one up to the sign convention both follow.
        for (int i = 0; i < basisRows * cap; i++) {
            assertEquals(exact.u()[i], out.u()[i], Math.sqrt(SKETCH_EXCESS), "U[" + i + "]");
        }
    }

    @Test
    void fromTheRightItIsTheTransposeFactoredFromTheLeft() {
        int rows = 180;
        int cols = 260;
        double[] a = decaying(rows, cols, 0.8, new Random(5));
        double[] t = new double[rows * cols];
        DenseKernels.transpose(a, rows, cols, t);
        int cap = 12;
        LowRank right = factor("randomized", a, rows, cols, RankSelector.atMost(cap), false);
        LowRank transposed = factor("randomized", t, cols, rows, RankSelector.atMost(cap), true);
        for (int i = 0; i < cols * cap; i++) {
            assertEquals(transposed.u()[i], right.u()[i], Tolerance.F64, "V[" + i + "]");
        }
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < cap; c++) {
                assertEquals(transposed.w()[c * rows + i], right.w()[i * cap + c], Tolerance.F64 * 100, "W");
            }
        }
    }

    @Test
    void theSameInputGivesTheSameFactors() {
        double[] a = decaying(200, 150, 0.9, new Random(8));
        LowRank first = factor("randomized", a, 200, 150, RankSelector.atMost(10), true);
        LowRankFactorizer route = LowRankFactorizers.create("randomized");
        LowRank again = new LowRank();
        route.factor(TestImages.matrix(90, 70, new Random(1)), 90, 70, RankSelector.atMost(4), again);
        route.factor(a, 200, 150, RankSelector.atMost(10), again);
        LowRankFactorizers.close(route);
        assertArrayEquals(Arrays.copyOf(first.u(), 200 * 10), Arrays.copyOf(again.u(), 200 * 10));
        assertArrayEquals(Arrays.copyOf(first.w(), 10 * 150), Arrays.copyOf(again.w(), 10 * 150));
    }

    @Test
    void withoutACapOrWithACapNearTheSmallerSideItIsTheExactRoute() {
        double[] a = TestImages.matrix(120, 64, new Random(2));
        int largestSketched =
                (int) (RandomizedFactorizer.LARGEST_SKETCH_FRACTION * 64) - RandomizedFactorizer.OVERSAMPLING;
        assertEquals(largestSketched + RandomizedFactorizer.OVERSAMPLING,
                factor("randomized", a, 120, 64, RankSelector.atMost(largestSketched), true).spectrumLength(),
                "the largest cap that sketches");
        RankSelector energy = RankSelector.energy(0.9);
        RankSelector overTheCut = RankSelector.atMost(largestSketched + 1);
        for (RankSelector selector : List.of(energy, overTheCut)) {
            for (boolean left : new boolean[] {true, false}) {
                LowRank sketched = factor("randomized", a, 120, 64, selector, left);
                LowRank exact = factor("blas-gram", a, 120, 64, selector, left);
                assertEquals(64, sketched.spectrumLength(), "no sketch");
                int basisRows = left ? 120 : 64;
                assertArrayEquals(Arrays.copyOf(exact.u(), basisRows * exact.rank()),
                        Arrays.copyOf(sketched.u(), basisRows * sketched.rank()));
            }
        }
    }

    @Test
    void aZeroMatrixGivesUnitVectorsAndNoEnergy() {
        LowRank out = factor("randomized", new double[300 * 100], 300, 100, RankSelector.atMost(4), true);
        assertEquals(4, out.rank());
        assertEquals(0, out.totalEnergy());
        assertOrthonormal(out.u(), 300, 4);
    }

    @Test
    void anImageLosesNoMoreThanTheTargetInPsnr() {
        ImageShape shape = new ImageShape(224, 224, 3);
        TensorLayout layout = LayoutRequest.auto().resolve(shape);
        List<float[]> calibration = List.of(TestImages.natural(shape, 1), TestImages.natural(shape, 2));
        RankProfile profile = RankProfile.calibrate(calibration, layout, 2, 0.3, LowRankFactorizers.create("auto"));
        CompressionSpec spec = new CompressionSpec(LayoutRequest.auto(), new Truncation.TargetRatio(0.3, profile), 2);
        LowRankFactorizer exactRoute = LowRankFactorizers.create("blas-gram");
        CountingSketches randomized = new CountingSketches(LowRankFactorizers.create("randomized"));
        double exact = 0;
        double sketched = 0;
        for (long seed = 3; seed < 6; seed++) {
            float[] image = TestImages.natural(shape, seed);
            exact += new MmpsCodec(spec, exactRoute).compress(image, shape).stats().psnrDb();
            sketched += new MmpsCodec(spec, randomized).compress(image, shape).stats().psnrDb();
        }
        LowRankFactorizers.close(exactRoute);
        LowRankFactorizers.close(randomized.route);
        assertTrue(randomized.sketched > 0, "some step was sketched");
        assertEquals(exact / 3, sketched / 3, PSNR_LOSS_DB);
    }

    /** A route that counts the factorisations whose spectrum it computed only in part: those it sketched. */
    private static final class CountingSketches implements LowRankFactorizer {
        final LowRankFactorizer route;
        int sketched;

        CountingSketches(LowRankFactorizer route) {
            this.route = route;
        }

        @Override
        public void factor(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
            route.factor(a, rows, cols, selector, out);
            sketched += out.spectrumLength() < Math.min(rows, cols) ? 1 : 0;
        }

        @Override
        public void factorRight(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
            route.factorRight(a, rows, cols, selector, out);
            sketched += out.spectrumLength() < Math.min(rows, cols) ? 1 : 0;
        }

        @Override
        public String name() {
            return route.name();
        }

        @Override
        public MatrixProduct products() {
            return route.products();
        }
    }

    private static LowRank factor(String route, double[] a, int rows, int cols, RankSelector selector,
            boolean left) {
        LowRank out = new LowRank();
        LowRankFactorizer factorizer = LowRankFactorizers.create(route);
        if (left) {
            factorizer.factor(a, rows, cols, selector, out);
        } else {
            factorizer.factorRight(a, rows, cols, selector, out);
        }
        LowRankFactorizers.close(factorizer);
        return out;
    }

    /** {@code ||A - U W||^2} from the left, {@code ||A - W V^T||^2} from the right, by brute force. */
    private static double residualEnergy(double[] a, int rows, int cols, LowRank out, boolean left) {
        int r = out.rank();
        double sum = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double x = 0;
                for (int c = 0; c < r; c++) {
                    x += left ? out.u()[i * r + c] * out.w()[c * cols + j] : out.w()[i * r + c] * out.u()[j * r + c];
                }
                double d = a[i * cols + j] - x;
                sum += d * d;
            }
        }
        return sum;
    }

    /** {@code sum_k decay^k x_k y_k^T} over random unit-scale directions. */
    private static double[] decaying(int rows, int cols, double decay, Random random) {
        double[] a = new double[rows * cols];
        double scale = 1;
        for (int k = 0; k < Math.min(rows, cols); k++, scale *= decay) {
            double[] x = random.doubles(rows).map(v -> v - 0.5).toArray();
            double[] y = random.doubles(cols).map(v -> v - 0.5).toArray();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    a[i * cols + j] += scale * x[i] * y[j];
                }
            }
        }
        return a;
    }

    private static void assertOrthonormal(double[] u, int rows, int rank) {
        for (int p = 0; p < rank; p++) {
            for (int q = 0; q <= p; q++) {
                double dot = 0;
                for (int i = 0; i < rows; i++) {
                    dot += u[i * rank + p] * u[i * rank + q];
                }
                assertEquals(p == q ? 1 : 0, dot, Tolerance.F64 * 100, "U^T U [" + p + "," + q + "]");
            }
        }
    }

    private static void assertSignConvention(double[] u, int rows, int rank) {
        for (int c = 0; c < rank; c++) {
            double best = 0;
            for (int i = 0; i < rows; i++) {
                if (Math.abs(u[i * rank + c]) > Math.abs(best)) {
                    best = u[i * rank + c];
                }
            }
            assertTrue(best > 0, "column " + c + " has its largest entry positive");
        }
    }
}
