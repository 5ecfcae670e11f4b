/**
 * Image files to pixels, one way for every part of mmps: OpenCV (libjpeg-turbo, reduced decoding in
 * the DCT domain, area resizing) for the JPEG and PNG files it reads as ImageIO does, chosen by
 * {@link dev.mmps.images.DecoderChoice}, and {@link dev.mmps.images.ImageDecoder} (strict ImageIO decoding, with TwelveMonkeys' JPEG reader for CMYK and YCCK files, a pixel limit
 * read from the header and a guard against decodings larger than a quarter of the heap),
 * {@link dev.mmps.images.Preprocess} (channels, and resizing by the shorter side with a centre
 * crop) to {@link dev.mmps.images.DecodedImage}s of HWC floats on the [0, 1] scale, and
 * {@link dev.mmps.images.IdxFormat} for MNIST-style files. What cannot be read is an
 * {@link dev.mmps.images.ImageFailure} naming the step and the reason. The compress job and the
 * training stage both read images through here, so an original and its factor row start from the
 * same pixels.
 */
package dev.mmps.images;
