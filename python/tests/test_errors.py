"""Bad input: each refusal names the path and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

import mmps
from conftest import GOLDEN, copy_table, rewrite_factors


def test_a_folder_that_is_not_an_output(tmp_path: Path):
    (tmp_path / "photos").mkdir()
    with pytest.raises(mmps.FormatError) as e:
        mmps.open(tmp_path / "photos")
    assert str(tmp_path / "photos") in str(e.value) and "has no manifest.json" in str(e.value)
    assert "mmps compress --output" in str(e.value)
    with pytest.raises(mmps.FormatError, match="does not exist: pass the folder given to 'mmps compress --output'"):
        mmps.open(tmp_path / "nowhere")


def edit_manifest(tmp_path: Path, change) -> Path:
    table = copy_table(GOLDEN / "v2" / "mps-fp16", tmp_path / "table")
    manifest = json.loads((table / "manifest.json").read_text())
    change(manifest)
    (table / "manifest.json").write_text(json.dumps(manifest))
    return table


def test_a_newer_schema_version(tmp_path: Path):
    table = edit_manifest(tmp_path, lambda m: m.update(schema_version=3, mmps_version="0.9.0"))
    with pytest.raises(mmps.FormatError) as e:
        mmps.open(table)
    message = str(e.value)
    assert str(table / "manifest.json") in message
    assert "schema version 3, newer than this mmps package reads (1 to 2)" in message
    assert "mmps 0.9.0" in message and "upgrade the Python package" in message


def test_a_manifest_that_lacks_a_key(tmp_path: Path):
    table = edit_manifest(tmp_path, lambda m: m["compression"].pop("dtype"))
    with pytest.raises(mmps.FormatError, match=r"manifest.json lacks key 'compression.dtype'"):
        mmps.open(table)


def test_a_manifest_that_is_not_json(tmp_path: Path):
    table = copy_table(GOLDEN / "v1", tmp_path / "table")
    (table / "manifest.json").write_text("{ half")
    with pytest.raises(mmps.FormatError, match="is not valid JSON"):
        mmps.open(table)


def set_column(table: Path, name: str, value: str) -> None:
    def change(t: pa.Table) -> pa.Table:
        return t.set_column(t.schema.get_field_index(name), name, pa.array([value] * t.num_rows))
    rewrite_factors(table, change)


def test_an_unknown_codec(tmp_path: Path):
    table = copy_table(GOLDEN / "v2" / "tucker-fp32", tmp_path / "table")
    set_column(table, "codec", "wavelet")
    with pytest.raises(mmps.FormatError) as e:
        next(mmps.open(table).batches(4))
    assert str(table) in str(e.value)
    assert "codec 'wavelet' is unknown" in str(e.value) and "upgrade the Python package" in str(e.value)


def test_an_unknown_dtype(tmp_path: Path):
    table = copy_table(GOLDEN / "v2" / "tucker-fp32", tmp_path / "table")
    set_column(table, "dtype", "bfloat16")
    with pytest.raises(mmps.FormatError) as e:
        next(mmps.open(table).batches(4))
    assert str(table) in str(e.value)
    assert "dtype 'bfloat16' is unknown" in str(e.value) and "upgrade the Python package" in str(e.value)


def test_a_truncated_parquet_file(tmp_path: Path):
    table = copy_table(GOLDEN / "v1", tmp_path / "table")
    part = next((table / "factors").glob("*.parquet"))
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    opened = mmps.open(table)
    with pytest.raises(mmps.FormatError) as e:
        opened.num_rows
    assert str(part) in str(e.value) and "is not a readable Parquet file" in str(e.value)
    assert "copy it again" in str(e.value)


def test_a_factor_of_the_wrong_size(tmp_path: Path):
    table = copy_table(GOLDEN / "v1", tmp_path / "table")

    def shorten(t: pa.Table) -> pa.Table:
        rows = t.column("stages").to_pylist()
        rows[0][0]["cores"][1] = rows[0][0]["cores"][1][:-8]
        return t.set_column(t.schema.get_field_index("stages"), "stages",
                            pa.array(rows, type=t.schema.field("stages").type))
    rewrite_factors(table, shorten)
    with pytest.raises(mmps.FormatError, match="the table is damaged"):
        next(mmps.open(table).batches(4))
