package dev.mmps.images;

import dev.mmps.tensor.layout.ImageShape;

/**
 * An image ready for compression: HWC float pixels on the [0, 1] scale.
 *
 * @param shape the shape after preprocessing
 * @param pixels {@code shape.values()} values, row-major {@code [y][x][c]}
 */
public record DecodedImage(ImageShape shape, float[] pixels) {}
