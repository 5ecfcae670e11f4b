"""Shared tables and tolerances of the Python suite.

The golden tables of the repository serve every test that needs no Java. The tables written by the
compress command and the Java reader's rebuilt pixels come from the Maven module's test
(``mvn -pl python -am verify``), which passes their description in ``MMPS_JAVA_FIXTURES``; run alone,
pytest skips the tests that need them unless ``MMPS_REQUIRE_JAVA_FIXTURES`` is set.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "factor-table" / "src" / "test" / "resources" / "golden"
GOLDEN_TABLES = [GOLDEN / "v1"] + sorted(p for p in (GOLDEN / "v2").iterdir() if p.is_dir())

#: Largest difference per pixel (on the [0, 1] scale) between this package and the Java reader: both
#: contract float32 factors, in different orders of summation.
PIXEL_TOLERANCE = 1e-5
#: Largest difference between a PSNR measured here from the source images and the stored ``psnr_db``.
PSNR_TOLERANCE_DB = 0.01


def java_fixtures():
    path = os.environ.get("MMPS_JAVA_FIXTURES")
    if not path:
        if os.environ.get("MMPS_REQUIRE_JAVA_FIXTURES"):
            raise RuntimeError("MMPS_REQUIRE_JAVA_FIXTURES is set but MMPS_JAVA_FIXTURES is not")
        return []
    with open(path) as f:
        return json.load(f)["tables"]


def java_params():
    tables = java_fixtures()
    if not tables:
        return [pytest.param(None, marks=pytest.mark.skip(reason="needs the Java fixtures: run "
                                                                   "'mvn -pl python -am verify'"))]
    return [pytest.param(t, id=t["name"]) for t in tables]


def copy_table(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def rewrite_factors(table: Path, change, row_group_size=None, files=1) -> None:
    """Rewrites a table's factor Parquet files through ``change`` (an Arrow table to an Arrow table)."""
    folder = table / "factors"
    parts = sorted(folder.glob("*.parquet"))
    data = change(pa.concat_tables([pq.read_table(p) for p in parts]))
    for p in parts:
        p.unlink()
    bounds = np.linspace(0, data.num_rows, files + 1).astype(int)
    for i in range(files):
        pq.write_table(data.slice(bounds[i], bounds[i + 1] - bounds[i]), folder / f"part-{i:05d}.zstd.parquet",
                       compression="zstd", row_group_size=row_group_size)


@pytest.fixture
def big_table(tmp_path: Path) -> Path:
    """The v1 golden table's rows seven times over with fresh ids: 70 rows in 3 files of uneven row groups."""
    table = copy_table(GOLDEN / "v1", tmp_path / "big")

    def repeat(t: pa.Table) -> pa.Table:
        copies = []
        for k in range(7):
            ids = pa.array([f"copy{k}/{i}" for i in t.column("id").to_pylist()])
            copies.append(t.set_column(t.schema.get_field_index("id"), "id", ids))
        return pa.concat_tables(copies)

    rewrite_factors(table, repeat, row_group_size=9, files=3)
    return table
