"""mmps.open and the numpy reader on the repository's golden tables (every codec and stored precision)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import mmps
from mmps import rebuild
from conftest import GOLDEN, GOLDEN_TABLES, PIXEL_TOLERANCE, copy_table, rewrite_factors

EXPECTED = {"v1": ("mmps", "float32"), "cp-int8-core": ("cp", "int8"), "mps-fp16": ("mps", "float16"),
            "svd-int8": ("svd", "int8"), "tucker-fp32": ("tucker", "float32")}


@pytest.mark.parametrize("path", GOLDEN_TABLES, ids=lambda p: p.name)
def test_open_types_the_manifest(path: Path):
    table = mmps.open(path)
    raw = json.loads((path / "manifest.json").read_text())
    assert (table.codec, table.dtype) == EXPECTED[path.name]
    assert table.schema_version == raw["schema_version"]
    assert table.num_rows == raw["counts"]["images"] == len(table)
    assert table.classes == raw["input"]["classes"]
    assert table.manifest.compression.codec == table.codec


@pytest.mark.parametrize("path", GOLDEN_TABLES, ids=lambda p: p.name)
def test_rows_hold_ids_labels_and_images(path: Path):
    table = mmps.open(path)
    meta = pq.read_table(path / "factors", columns=["id", "label", "class_name", "height", "width", "channels"])
    rows = list(table.rows())
    assert [r.id for r in rows] == meta.column("id").to_pylist()
    assert [r.label for r in rows] == meta.column("label").to_pylist()
    assert [r.class_name for r in rows] == meta.column("class_name").to_pylist()
    for r, h, w, c in zip(rows, *(meta.column(k).to_pylist() for k in ("height", "width", "channels"))):
        assert r.image.shape == (h, w, c) and r.image.dtype == np.float32
        assert 0.0 <= r.image.min() and r.image.max() <= 1.0
        assert r.image.std() > 0.01  # an image, not zeros


def test_batches_cross_row_groups_and_files_and_read_as_one_table(big_table: Path):
    table = mmps.open(big_table)
    assert len(table.units()) > 3 and len(table.files) == 3
    whole = np.concatenate([b.images for b in mmps.open(GOLDEN / "v1").batches(10)])
    batches = list(table.batches(16))
    assert [len(b) for b in batches] == [16, 16, 16, 16, 6]
    images = np.concatenate([b.images for b in batches])
    np.testing.assert_allclose(images, np.concatenate([whole] * 7), rtol=0, atol=PIXEL_TOLERANCE)


def test_uint8_images_are_the_rounded_floats():
    table = mmps.open(GOLDEN / "v2" / "tucker-fp32")
    floats = next(table.batches(10)).images
    bytes_ = next(table.batches(10, uint8=True)).images
    assert bytes_.dtype == np.uint8
    np.testing.assert_array_equal(bytes_, np.rint(floats * 255).astype(np.uint8))


def test_filters_select_rows_by_label_class_and_id():
    table = mmps.open(GOLDEN / "v2" / "mps-fp16")
    everything = {r.id: r for r in table.rows()}
    by_label = list(table.rows(where={"label": [1, 3]}))
    assert sorted(r.label for r in by_label) == [1, 3]
    for r in by_label:
        np.testing.assert_array_equal(r.image, everything[r.id].image)
    assert [r.class_name for r in table.rows(where={"class_name": "cat"})] == ["cat"]
    assert [r.id for r in table.rows(where={"id": ["dog/0000.jpg"]})] == ["dog/0000.jpg"]
    expression = (pc.field("label") >= 8) | (pc.field("class_name") == "bird")
    assert sorted(table.labels(where=expression).tolist()) == [2, 8, 9]
    assert list(table.rows(where={"label": 42})) == []
    with pytest.raises(ValueError, match="filter on column 'stages' is not supported"):
        list(table.rows(where={"stages": 1}))


def test_labels_and_ids_never_touch_the_factor_blobs(tmp_path: Path):
    """The stages column chunks are overwritten with garbage: labels and ids still read, images do not."""
    table_dir = copy_table(GOLDEN / "v1", tmp_path / "garbled")
    part = next((table_dir / "factors").glob("*.parquet"))
    meta = pq.ParquetFile(part).metadata
    data = bytearray(part.read_bytes())
    for g in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            column = meta.row_group(g).column(c)
            if column.path_in_schema.startswith("stages"):
                start = column.dictionary_page_offset or column.data_page_offset
                data[start: start + column.total_compressed_size] = b"\x5a" * column.total_compressed_size
    part.write_bytes(bytes(data))
    table = mmps.open(table_dir)
    assert table.labels().tolist() == pq.read_table(GOLDEN / "v1" / "factors", columns=["label"]) \
        .column("label").to_pylist()
    assert len(table.ids()) == 10
    assert [len(b) for b in table.batches(4, images=False)] == [4, 4, 2]
    with pytest.raises(mmps.FormatError, match="cannot be read"):
        next(table.batches(4))


def test_rows_of_a_subset_only(tmp_path: Path):
    """An 'mmps select' output restricts the table to the ids it selected."""
    import pyarrow as pa

    subset = tmp_path / "subset"
    (subset / "selection").mkdir(parents=True)
    (subset / "manifest.json").write_text(json.dumps({"schema_version": 1, "command": "select"}))
    pq.write_table(pa.table({"id": ["cat/0000.jpg", "frog/0000.jpg"], "pick": [0, 1]}),
                   subset / "selection" / "part-00000.parquet")
    table = mmps.open(GOLDEN / "v2" / "svd-int8", subset=subset)
    assert sorted(r.id for r in table.rows()) == ["cat/0000.jpg", "frog/0000.jpg"]
    with pytest.raises(mmps.FormatError, match="is not an 'mmps select' output"):
        mmps.open(GOLDEN / "v1", subset=tmp_path)


def test_a_factors_folder_opens_its_table():
    assert mmps.open(GOLDEN / "v1" / "factors").num_rows == 10


@pytest.mark.parametrize("width", [rebuild.ROW_GATHER_FROM - 1, rebuild.ROW_GATHER_FROM + 5])
def test_the_pixel_gather_row_by_row_and_at_once_agree(width: int):
    rng = np.random.default_rng(3)
    tensor = rng.standard_normal((3, width)).astype(np.float32)
    index = rng.permutation(width)
    out = np.empty_like(tensor)
    rebuild.gather_columns(tensor, index, out)
    np.testing.assert_array_equal(out, tensor[:, index])
