package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.tt.BondPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How much of each image to keep, as the user states it; resolved per layout into one
 * {@link BondPolicy} per stage.
 */
public sealed interface Truncation extends java.io.Serializable {

    /**
     * One bond policy per stage for images of this layout.
     *
     * @throws IllegalArgumentException if the request cannot be met for this layout
     */
    List<BondPolicy> policies(TensorLayout layout, int stages);

    /** The same cap on every bond of every stage (the paper's single {@code d'}). */
    record MaxBond(int maxBond) implements Truncation {
        public MaxBond {
            if (maxBond < 1) {
                throw new IllegalArgumentException("max bond " + maxBond
                        + " is invalid: a bond dimension must be at least 1; pass 1 or more, for example 8");
            }
        }

        @Override
        public List<BondPolicy> policies(TensorLayout layout, int stages) {
            return repeat(BondPolicy.uniform(maxBond, layout.cores()), stages);
        }
    }

    /**
     * Explicit caps per bond, per stage. One set of caps applies to every stage; otherwise give
     * one set per stage.
     */
    record BondCaps(List<int[]> caps) implements Truncation {
        public BondCaps {
            if (caps == null || caps.isEmpty()) {
                throw new IllegalArgumentException("bond caps are empty; give one cap per bond, for example 4,8,8,3");
            }
            List<int[]> copy = new ArrayList<>();
            for (int[] c : caps) {
                copy.add(BondPolicy.perBond(c).caps());
            }
            caps = List.copyOf(copy);
        }

        @Override
        public List<int[]> caps() {
            return caps.stream().map(int[]::clone).toList();
        }

        @Override
        public List<BondPolicy> policies(TensorLayout layout, int stages) {
            if (caps.size() != 1 && caps.size() != stages) {
                throw new IllegalArgumentException(caps.size() + " sets of bond caps given for " + stages
                        + " stages; give one set for all stages or exactly one per stage");
            }
            List<BondPolicy> policies = new ArrayList<>();
            for (int s = 0; s < stages; s++) {
                int[] c = caps.get(caps.size() == 1 ? 0 : s);
                if (c.length != layout.cores() - 1) {
                    throw new IllegalArgumentException("bond caps " + Arrays.toString(c) + " have " + c.length
                            + " values but layout " + layout.spec() + " has " + (layout.cores() - 1)
                            + " bonds; give one cap per bond");
                }
                policies.add(BondPolicy.perBond(c));
            }
            return policies;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof BondCaps other) || other.caps.size() != caps.size()) {
                return false;
            }
            for (int i = 0; i < caps.size(); i++) {
                if (!Arrays.equals(caps.get(i), other.caps.get(i))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return caps.stream().mapToInt(Arrays::hashCode).sum();
        }

        @Override
        public String toString() {
            return "BondCaps" + caps.stream().map(Arrays::toString).toList();
        }
    }

    /**
     * A relative Frobenius error target for the whole image. Each of the {@code K} stages gets
     * the Oseledets threshold with {@code epsilon^(1/K)} against its own input, so the stage
     * errors multiply to at most {@code epsilon ||A||_F}.
     */
    record RelativeError(double epsilon) implements Truncation {
        public RelativeError {
            if (!(epsilon > 0 && epsilon < 1)) {
                throw new IllegalArgumentException("error target epsilon=" + epsilon
                        + " is invalid: it must lie strictly between 0 and 1, for example 0.05");
            }
        }

        @Override
        public List<BondPolicy> policies(TensorLayout layout, int stages) {
            return repeat(BondPolicy.relativeError(Math.pow(epsilon, 1.0 / stages)), stages);
        }
    }

    /**
     * A target compression ratio (paper Eq. 6): stored values of all stages over the image's
     * {@code H * W * C}, resolved by {@link RatioPlanner}. With a {@link RankProfile} calibrated for
     * the layout, the caps follow the profile; otherwise (no profile, or an image of another shape)
     * they follow the paper's uniform rule.
     *
     * @param ratio the target, in (0, 1]
     * @param profile calibrated bond profile, or null for the uniform rule
     */
    record TargetRatio(double ratio, RankProfile profile) implements Truncation {
        public TargetRatio {
            requireValid(ratio);
        }

        public TargetRatio(double ratio) {
            this(ratio, null);
        }

        /** Checks a ratio against the rule {@code 0 < ratio <= 1}. */
        public static void requireValid(double ratio) {
            if (!(ratio > 0 && ratio <= 1)) {
                throw new IllegalArgumentException("compression ratio " + ratio
                        + " is invalid: it must lie in (0, 1], the fraction of the image's values to store, "
                        + "for example 0.3");
            }
        }

        @Override
        public List<BondPolicy> policies(TensorLayout layout, int stages) {
            return profile != null && profile.fits(layout, stages)
                    ? RatioPlanner.plan(layout, stages, ratio, profile)
                    : RatioPlanner.plan(layout, stages, ratio);
        }
    }

    private static List<BondPolicy> repeat(BondPolicy policy, int stages) {
        List<BondPolicy> list = new ArrayList<>();
        for (int s = 0; s < stages; s++) {
            list.add(policy);
        }
        return List.copyOf(list);
    }
}
