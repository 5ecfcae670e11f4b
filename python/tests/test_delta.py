"""Outputs written as Delta tables: the reader takes the files a version's log names, never the folder's listing.

The logs here are written by hand, action by action as the Delta protocol defines them, around the rows of a
golden table, to reach the cases a real run rarely leaves (a removed file, a stray file, features this reader
refuses). Tables written by Spark and Delta themselves, with a checkpoint, are compared with the Java reader in
test_java_equality.py (fixture ``cifar-mmps-delta``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import List, Optional

import pytest

import mmps

PROTOCOL = {"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}}
METADATA = {"metaData": {"id": "t", "format": {"provider": "parquet", "options": {}}, "schemaString": "{}",
                         "partitionColumns": [], "configuration": {}, "createdTime": 0}}


def write_commit(table: Path, version: int, actions: List[dict]) -> None:
    log = table / "factors" / "_delta_log"
    log.mkdir(exist_ok=True)
    (log / f"{version:020d}.json").write_text("\n".join(json.dumps(a) for a in actions) + "\n")


def commit_info(manifest: Optional[dict]) -> dict:
    info = {"timestamp": 0, "operation": "WRITE"}
    if manifest is not None:
        info["userMetadata"] = json.dumps(manifest)
    return {"commitInfo": info}


def add(path: Path, **extra) -> dict:
    return {"add": {"path": path.name, "partitionValues": {}, "size": path.stat().st_size, "modificationTime": 0,
                    "dataChange": True, **extra}}


@pytest.fixture
def delta_table(big_table: Path) -> Path:
    """``big_table`` (70 rows in 3 files) as a Delta output: version 0 names all three files, version 1 (a
    commit without a manifest, as an OPTIMIZE by another user would be) removes one, and a file that no
    commit names lies in the folder."""
    manifest = json.loads((big_table / "manifest.json").read_text())
    manifest["delta"] = {"errors_version": 0}
    parts = sorted((big_table / "factors").glob("*.parquet"))
    write_commit(big_table, 0, [commit_info(manifest), PROTOCOL, METADATA] + [add(p) for p in parts])
    write_commit(big_table, 1, [commit_info(None), {"remove": {"path": parts[0].name, "dataChange": True}}])
    shutil.copy(parts[1], big_table / "factors" / "part-99999-never-committed.zstd.parquet")
    return big_table


def test_each_version_reads_the_files_its_log_names(delta_table: Path):
    first = mmps.open(delta_table, version=0)
    assert first.version == 0
    assert first.num_rows == 70
    ids = [i for b in first.batches(32, images=False) for i in b.ids]
    assert len(ids) == len(set(ids)) == 70, "the file no commit names is not read"

    newest = mmps.open(delta_table)
    assert newest.version == 1
    assert len(newest.files) == 2
    assert newest.num_rows < 70
    assert newest.manifest.totals["stored_bytes"] == sum(Path(f).stat().st_size for f in newest.files)
    assert {i for b in newest.batches(16, images=False) for i in b.ids} < set(ids)
    assert mmps.open(delta_table / "factors").version == 1


def test_versions_and_tables_the_reader_cannot_read_are_refused(delta_table: Path, big_table: Path):
    with pytest.raises(mmps.FormatError, match="has no version 5: it holds versions 0 to 1"):
        mmps.open(delta_table, version=5)

    write_commit(delta_table, 2, [commit_info(None), {"protocol": {"minReaderVersion": 3, "minWriterVersion": 7,
                                                                    "readerFeatures": ["v2Checkpoint"]}}])
    with pytest.raises(mmps.FormatError, match="v2Checkpoint"):
        mmps.open(delta_table)

    kept = sorted((delta_table / "factors").glob("part-0*"))[1]
    write_commit(delta_table, 2, [commit_info(None), add(kept, deletionVector={"storageType": "u", "cardinality": 1})])
    with pytest.raises(mmps.FormatError, match="deletion vectors"):
        mmps.open(delta_table)
    assert mmps.open(delta_table, version=1).version == 1, "versions before it still read"


def test_a_delta_table_without_an_mmps_manifest_is_not_taken_for_an_output(big_table: Path):
    parts = sorted((big_table / "factors").glob("*.parquet"))
    write_commit(big_table, 0, [commit_info(None), PROTOCOL, METADATA] + [add(p) for p in parts])
    with pytest.raises(mmps.FormatError, match="not written by mmps"):
        mmps.open(big_table)


def test_a_parquet_output_has_no_versions(big_table: Path):
    with pytest.raises(mmps.FormatError, match="Parquet output, which keeps one version only"):
        mmps.open(big_table, version=0)
