"""This package against the Java reader, on the golden tables and on tables made by the compress command."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest
from PIL import Image

import mmps
from conftest import PIXEL_TOLERANCE, PSNR_TOLERANCE_DB, java_params


def java_images(fixture):
    flat = np.fromfile(fixture["pixels"], dtype="<f4")
    images, at = [], 0
    for h, w, c in fixture["shapes"]:
        images.append(flat[at: at + h * w * c].reshape(h, w, c))
        at += h * w * c
    assert at == flat.size
    return images


@pytest.mark.parametrize("fixture", java_params())
def test_pixels_equal_the_java_reader(fixture):
    table = mmps.open(fixture["table"])
    rows = list(table.rows(clip=False))
    assert [r.id for r in rows] == fixture["ids"]
    assert table.num_rows == len(fixture["ids"]) == table.manifest.counts.images
    for row, expected in zip(rows, java_images(fixture)):
        assert row.image.shape == expected.shape
        np.testing.assert_allclose(row.image, expected, rtol=0, atol=PIXEL_TOLERANCE, err_msg=row.id)


@pytest.mark.parametrize("fixture", java_params())
def test_batches_and_bytes_follow_the_same_pixels(fixture):
    table = mmps.open(fixture["table"])
    expected = np.stack(java_images(fixture))
    batches = list(table.batches(7))
    assert [len(b) for b in batches][:-1] == [7] * (len(batches) - 1)
    images = np.concatenate([b.images for b in batches])
    assert images.dtype == np.float32 and images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_allclose(images, np.clip(expected, 0, 1), rtol=0, atol=PIXEL_TOLERANCE)
    bytes_ = np.concatenate([b.images for b in table.batches(7, uint8=True)])
    assert bytes_.dtype == np.uint8
    reference = np.clip(expected, 0, 1) * 255
    # Away from a rounding boundary the byte is the Java value rounded; at one it may be either neighbour.
    assert np.all(np.abs(bytes_.astype(np.float64) - reference) <= 0.5 + 255 * PIXEL_TOLERANCE)


@pytest.mark.parametrize("fixture", java_params())
def test_torch_batches_equal_the_java_reader(fixture):
    from mmps.torch import FactorDataset

    expected = dict(zip(fixture["ids"], java_images(fixture)))
    seen = 0
    for images, labels, ids in FactorDataset(fixture["table"], batch_size=8, with_ids=True, clip=False):
        assert images.shape[0] == labels.shape[0] == len(ids)
        for image, id_ in zip(images.numpy(), ids):
            np.testing.assert_allclose(image.transpose(1, 2, 0), expected[id_], rtol=0, atol=PIXEL_TOLERANCE,
                                       err_msg=id_)
            seen += 1
    assert seen == len(expected)


@pytest.mark.parametrize("fixture", java_params())
def test_stored_psnr_is_measured_again_from_the_source_images(fixture):
    if not fixture["sources_readable"]:
        pytest.skip("rows of resized images (or sources not on this machine) have no source pixels to compare")
    table = mmps.open(fixture["table"])
    stored = table.read(["id", "source", "psnr_db"])
    psnr = dict(zip(stored.column("id").to_pylist(), stored.column("psnr_db").to_pylist()))
    source = dict(zip(stored.column("id").to_pylist(), stored.column("source").to_pylist()))
    for row in table.rows(clip=False):
        path = unquote(urlparse(source[row.id]).path)
        with Image.open(path) as im:
            original = np.asarray(im.convert("RGB"), dtype=np.float64) / 255.0
        mse = np.mean((row.image.astype(np.float64) - original) ** 2)
        assert abs(10 * np.log10(1.0 / mse) - psnr[row.id]) <= PSNR_TOLERANCE_DB, row.id
