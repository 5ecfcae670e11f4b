"""mmps.synthetic on the golden synthetic tables the Java suite keeps: numpy's rebuilding against the Java
reader's images and labels stored beside each table, and the refusals of what is not a finished set."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mmps import FormatError
from mmps.synthetic import METHODS, open_synthetic

GOLDEN = Path(__file__).resolve().parents[2] / "training" / "src" / "test" / "resources" / "golden" / "synthetic"

#: numpy's einsum against the Java reader's matrix products, both on float32 arrays.
REBUILD_TOLERANCE = 1e-5


def reference(folder: Path, name: str) -> np.ndarray:
    return np.fromfile(folder / name, dtype="<f4")


#: One golden table per method, MTT-LSS with a pair of mappers per class and NSD with spectrum tensors of three
#: quarters of the images' sides (both version 3).
TABLES = METHODS + ("lss-subspaces", "nsd-side")


@pytest.mark.parametrize("method", TABLES)
def test_numpy_rebuilds_what_the_java_reader_rebuilds(method):
    s = open_synthetic(str(GOLDEN / method))
    assert s.method == method.split("-")[0]
    first = s.images(channels_last=False)
    assert first.shape == (s.images_per_class * len(s.classes), s.channels, s.height, s.width)
    np.testing.assert_allclose(first.ravel(), reference(GOLDEN / method, "images.f32"), atol=REBUILD_TOLERANCE)
    np.testing.assert_allclose(s.labels().ravel(), reference(GOLDEN / method, "labels.f32"), atol=REBUILD_TOLERANCE)
    np.testing.assert_array_equal(s.images(), first.transpose(0, 2, 3, 1))
    stored = sum(a.size for a in s.arrays.values()) + 1
    assert stored == s.stored_values <= s.budget_values


def test_what_is_not_a_finished_set_is_refused_with_its_path(tmp_path):
    with pytest.raises(FormatError, match="no finished synthetic set"):
        open_synthetic(str(tmp_path))
    newer = tmp_path / "newer"
    shutil.copytree(GOLDEN / "lss", newer)
    m = json.loads((newer / "manifest.json").read_text())
    m["version"] = 4
    (newer / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(FormatError, match="newer than this reader"):
        open_synthetic(str(newer))
    truncated = tmp_path / "truncated"
    shutil.copytree(GOLDEN / "nsd", truncated)
    data = (truncated / "arrays.parquet").read_bytes()
    (truncated / "arrays.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match=str(truncated / "arrays.parquet")):
        open_synthetic(str(truncated))
