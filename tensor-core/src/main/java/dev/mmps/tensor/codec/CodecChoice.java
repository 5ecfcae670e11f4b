package dev.mmps.tensor.codec;

import dev.mmps.tensor.baseline.CpCodec;
import dev.mmps.tensor.baseline.SvdCodec;
import dev.mmps.tensor.baseline.TuckerCodec;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Which codec compresses the images, with the settings of the baselines: small and serialisable,
 * so a Spark job can broadcast it and build one codec per task.
 *
 * @param name one of {@link #NAMES}
 * @param hooiSweeps HOOI sweeps after the Tucker HOSVD (0: plain HOSVD)
 * @param tuckerEnergy when positive, Tucker ranks keep this fraction of each mode's energy instead
 *     of meeting the ratio
 * @param cpSweeps most ALS sweeps for CP
 * @param cpTolerance CP stops when the fit improves by less than this in a sweep
 * @param cpSeed seed of CP's random start
 */
public record CodecChoice(String name, int hooiSweeps, double tuckerEnergy, int cpSweeps, double cpTolerance,
        long cpSeed) implements ImageCodec.Factory, Serializable {

    /** The codecs, MMPS first. */
    public static final List<String> NAMES = List.of("mmps", "mps", "svd", "cp", "tucker");

    public CodecChoice {
        name = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("codec '" + name + "' is unknown: use one of " + String.join(", ", NAMES));
        }
        if (hooiSweeps < 0) {
            throw new IllegalArgumentException("tucker.hooi-sweeps=" + hooiSweeps + " is invalid: use 0 (plain HOSVD) "
                    + "or more");
        }
        if (!(tuckerEnergy == 0 || (tuckerEnergy > 0 && tuckerEnergy <= 1))) {
            throw new IllegalArgumentException("tucker.energy=" + tuckerEnergy + " is invalid: use 0 (meet the ratio) "
                    + "or a fraction in (0, 1], for example 0.99");
        }
        if (cpSweeps < 1) {
            throw new IllegalArgumentException("cp.max-sweeps=" + cpSweeps + " is invalid: use 1 or more, for example "
                    + "100");
        }
        if (!(cpTolerance >= 0)) {
            throw new IllegalArgumentException("cp.tolerance=" + cpTolerance + " is invalid: use 0 or more, for "
                    + "example 1e-5");
        }
    }

    /** MMPS with the defaults of the baselines. */
    public static CodecChoice mmps() {
        return new CodecChoice("mmps", 0, 0, 100, 1e-5, 1);
    }

    /** Whether this is MMPS or MPS, the codecs of the layout, the rank profile and the stages. */
    public boolean tensorTrain() {
        return name.equals("mmps") || name.equals("mps");
    }

    /**
     * A codec for one task.
     *
     * @param spec the MMPS spec (its truncation's ratio is the baselines' budget)
     * @throws IllegalArgumentException if a baseline is asked for something other than a ratio
     */
    @Override
    public ImageCodec create(CompressionSpec spec, LowRankFactorizer factorizer) {
        if (tensorTrain()) {
            return new MmpsCodec(spec, factorizer);
        }
        if (name.equals("tucker") && tuckerEnergy > 0) {
            return TuckerCodec.forEnergy(tuckerEnergy, hooiSweeps, factorizer);
        }
        if (!(spec.truncation() instanceof Truncation.TargetRatio target)) {
            throw new IllegalArgumentException("codec " + name + " takes a compression ratio, not " + spec.truncation()
                    + "; pass --ratio R");
        }
        return switch (name) {
            case "svd" -> new SvdCodec(target.ratio(), factorizer);
            case "cp" -> new CpCodec(target.ratio(), cpSweeps, cpTolerance, cpSeed, factorizer.products());
            default -> TuckerCodec.forRatio(target.ratio(), hooiSweeps, factorizer);
        };
    }
}
