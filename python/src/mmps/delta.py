"""One version of a Delta table, replayed from its ``_delta_log`` (docs/FORMAT.md, "Delta outputs").

An output written with ``mmps compress --table-format delta`` keeps ``factors/`` and ``errors/`` as Delta
tables: their folders also hold files of older versions and of commits that never finished, so a reader
takes the files a version's log names, not the folder's listing. The replay starts at the newest classic
checkpoint at or before the version and applies the JSON commits after it (``add`` puts a file in,
``remove`` takes it out), as the Java reader does. Tables that need more than that (deletion vectors,
column mapping, v2 checkpoints, partition columns) are refused; mmps never writes them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional
from urllib.parse import unquote, urlparse

import pyarrow.parquet as pq

from .errors import FormatError

#: The log folder of a Delta table.
LOG = "_delta_log"

_COMMIT = re.compile(r"^(\d{20})\.json$")
_CHECKPOINT = re.compile(r"^(\d{20})\.checkpoint(?:\.(\d{10})\.(\d{10}))?\.parquet$")
_READER_FEATURES = {"timestampNtz", "vacuumProtocolCheck", "deletionVectors"}


@dataclass(frozen=True)
class Snapshot:
    """A version's data files (full paths, in path order) and sizes, and the newest commit metadata at or
    before it (mmps keeps its manifest there)."""

    table: str
    version: int
    files: List[str]
    sizes: List[int]
    user_metadata: Optional[str]


def is_delta(folder: str) -> bool:
    return os.path.isdir(os.path.join(folder, LOG))


def _listing(log: str):
    commits, parts, expected = set(), {}, {}
    for name in os.listdir(log):
        c = _COMMIT.match(name)
        k = _CHECKPOINT.match(name)
        if c:
            commits.add(int(c.group(1)))
        elif k:
            v = int(k.group(1))
            parts.setdefault(v, []).append(os.path.join(log, name))
            expected[v] = int(k.group(3)) if k.group(3) else 1
    checkpoints = {v: sorted(p) for v, p in parts.items() if len(p) == expected[v]}
    return commits, checkpoints


def _commit(log: str, version: int) -> List[dict]:
    with open(os.path.join(log, f"{version:020d}.json"), "rb") as f:
        return [json.loads(line) for line in f.read().splitlines() if line.strip()]


def newest_version(table: str) -> int:
    commits, _ = _listing(os.path.join(table, LOG))
    if not commits:
        raise FormatError(f"{table} has a {LOG} folder without commits: the table was never written completely")
    return max(commits)


def read_snapshot(table: str, version: Optional[int] = None) -> Snapshot:
    """The files of ``table`` at ``version`` (the newest when None).

    Raises :class:`mmps.FormatError` for a version the log does not hold and for tables this replay does
    not read.
    """
    log = os.path.join(table, LOG)
    commits, checkpoints = _listing(log)
    if not commits:
        raise FormatError(f"{table} has a {LOG} folder without commits: the table was never written completely; "
                          "write it again")
    first, newest = min(commits), max(commits)
    target = newest if version is None else int(version)
    if target < 0 or target > newest or (target < first and target not in checkpoints):
        raise FormatError(f"{table} has no version {target}: it holds versions {first} to {newest}; name one of those")
    state = _Replay(table)
    start = max((v for v in checkpoints if v <= target), default=None)
    begin = 0
    if start is not None:
        for part in checkpoints[start]:
            state.checkpoint(part)
        begin = start + 1
    for v in range(begin, target + 1):
        if v not in commits:
            raise FormatError(f"{table} cannot be read at version {target}: its log lacks commit {v} (removed by the "
                              "table's log retention); read a newer version")
        for action in _commit(log, v):
            state.apply(action)
    state.check()
    metadata = None
    for v in range(target, first - 1, -1):
        if v in commits:
            for action in _commit(log, v):
                info = action.get("commitInfo")
                if isinstance(info, dict) and isinstance(info.get("userMetadata"), str):
                    metadata = info["userMetadata"]
            if metadata is not None:
                break
    paths = sorted(state.files)
    return Snapshot(table, target, [state.files[p][0] for p in paths], [state.files[p][1] for p in paths], metadata)


class _Replay:
    def __init__(self, table: str):
        self.table = table
        self.files: Dict[str, tuple] = {}
        self.reader_version = 1
        self.reader_features: List[str] = []
        self.partition_columns: List[str] = []
        self.column_mapping = "none"

    def _add(self, add: dict) -> None:
        if add.get("deletionVector"):
            raise FormatError(f"{self.table} has rows deleted through deletion vectors, which this reader does not "
                              "apply (mmps never writes them); rewrite the table without them (REORG TABLE ... APPLY "
                              "(PURGE) in Spark) or read it with Spark's format('delta')")
        logged = add["path"]
        uri = urlparse(logged)
        full = unquote(uri.path) if uri.scheme else os.path.join(self.table, unquote(logged))
        self.files[logged] = (full, int(add.get("size") or 0))

    def _protocol(self, p: dict) -> None:
        self.reader_version = int(p.get("minReaderVersion") or 1)
        self.reader_features = list(p.get("readerFeatures") or [])

    def _metadata(self, m: dict) -> None:
        self.partition_columns = list(m.get("partitionColumns") or [])
        configuration = m.get("configuration") or {}
        if not isinstance(configuration, dict):  # a checkpoint gives a map as (key, value) pairs
            configuration = dict(configuration)
        self.column_mapping = configuration.get("delta.columnMapping.mode", "none")

    def apply(self, action: dict) -> None:
        if "add" in action:
            self._add(action["add"])
        elif "remove" in action:
            self.files.pop(action["remove"]["path"], None)
        elif "protocol" in action:
            self._protocol(action["protocol"])
        elif "metaData" in action:
            self._metadata(action["metaData"])

    def checkpoint(self, part: str) -> None:
        names = set(pq.read_schema(part).names)
        rows = pq.read_table(part, columns=[c for c in ("add", "protocol", "metaData") if c in names]).to_pylist()
        for row in rows:
            if row.get("add"):
                self._add(row["add"])
            elif row.get("protocol"):
                self._protocol(row["protocol"])
            elif row.get("metaData"):
                self._metadata(row["metaData"])

    def check(self) -> None:
        what = None
        mapping = self.column_mapping not in (None, "none")
        unknown = [f for f in self.reader_features if f not in _READER_FEATURES
                   and not (f == "columnMapping" and not mapping)]
        if self.reader_version > 3:
            what = f"Delta reader version {self.reader_version}"
        elif self.reader_version >= 2 and mapping:
            what = f"column mapping ({self.column_mapping})"
        elif unknown:
            what = f"the Delta reader features {unknown}"
        elif self.partition_columns:
            what = f"partition columns {self.partition_columns}"
        if what:
            raise FormatError(f"{self.table} uses {what}, which this reader does not replay (mmps never writes it); "
                              "read the table with Spark's format('delta'), or rewrite it with mmps")
