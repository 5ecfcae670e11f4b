package dev.mmps.tensor.layout;

/**
 * What the user asked for: a layout planned from each image's shape, or an explicit spec; and, when a
 * layout was chosen for one shape by measuring (see {@code LayoutSearch}), that layout for images of
 * that shape.
 *
 * @param order index order for planned layouts
 * @param cores number of cores for planned layouts
 * @param channels channel placement for planned layouts
 * @param spec an explicit layout spec ({@link TensorLayout#parse}), or null to plan
 * @param chosenSpec the layout chosen for images of {@code chosenShape}, or null
 * @param chosenShape the shape {@code chosenSpec} is for, or null
 */
public record LayoutRequest(IndexOrder order, int cores, ChannelPlacement channels, String spec, String chosenSpec,
        ImageShape chosenShape) implements java.io.Serializable {

    public LayoutRequest(IndexOrder order, int cores, ChannelPlacement channels, String spec) {
        this(order, cores, channels, spec, null, null);
    }

    public LayoutRequest {
        if ((chosenSpec == null) != (chosenShape == null)) {
            throw new IllegalArgumentException("a chosen layout needs both its spec and the shape it is for");
        }
        if (spec == null) {
            if (order == null || channels == null) {
                throw new IllegalArgumentException("a planned layout needs an index order and a channel placement");
            }
            if (cores < 2) {
                throw new IllegalArgumentException("number of cores " + cores
                        + " is invalid: an MPS needs at least 2 cores (the paper uses 5)");
            }
        } else if (spec.isBlank()) {
            throw new IllegalArgumentException("layout spec is blank; omit it to plan the layout automatically");
        }
    }

    /** The measured default: see {@link LayoutPlanner}. */
    public static LayoutRequest auto() {
        return new LayoutRequest(LayoutPlanner.DEFAULT_ORDER, LayoutPlanner.DEFAULT_CORES,
                LayoutPlanner.DEFAULT_CHANNELS, null);
    }

    public static LayoutRequest auto(IndexOrder order, int cores) {
        return new LayoutRequest(order, cores, LayoutPlanner.DEFAULT_CHANNELS, null);
    }

    public static LayoutRequest explicit(String spec) {
        return new LayoutRequest(null, 0, null, spec);
    }

    public boolean planned() {
        return spec == null;
    }

    /** The same request, with {@code chosen} for images of its shape. */
    public LayoutRequest preferring(TensorLayout chosen) {
        return new LayoutRequest(order, cores, channels, spec, chosen.spec(), chosen.shape());
    }

    /** The layout for one image shape: the chosen one for its shape, else planned or parsed as asked. */
    public TensorLayout resolve(ImageShape shape) {
        if (shape.equals(chosenShape)) {
            return TensorLayout.parse(chosenSpec, shape);
        }
        return planned() ? LayoutPlanner.plan(shape, order, cores, channels) : TensorLayout.parse(spec, shape);
    }

    @Override
    public String toString() {
        return planned()
                ? "auto(order=" + order.label() + ", cores=" + cores + ", channels=" + channels.label() + ")"
                : spec;
    }
}
