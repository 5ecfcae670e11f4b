"""Opening a factor table and reading it lazily, row group by row group (docs/FORMAT.md)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import delta, rebuild
from .errors import FormatError
from .manifest import Manifest, locate, parse_manifest, read_manifest

#: The columns a filter may name: metadata, never the factors.
FILTER_COLUMNS = ("id", "label", "class_name")
#: What every row's image needs besides its factors.
_SHAPE_COLUMNS = ["height", "width", "channels", "layout", "codec", "dtype"]
_META_COLUMNS = ["id", "label", "class_name"]

Where = Union[None, Mapping[str, Any], pc.Expression]


@dataclass(frozen=True)
class Unit:
    """One row group of one Parquet file: the unit of reading and of sharding."""

    file: str
    row_group: int
    rows: int


@dataclass
class Batch:
    """Rows of a table: ``ids`` (str), ``labels`` (int64, -1 where null), ``class_names`` and ``images``.

    ``images`` is ``(N, H, W, C)``: float32 on [0, 1] or uint8, or None when images were not asked for.
    """

    ids: np.ndarray
    labels: np.ndarray
    class_names: np.ndarray
    images: Optional[np.ndarray]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Row:
    id: str
    label: Optional[int]
    class_name: Optional[str]
    image: Optional[np.ndarray]


def _expression(where: Where) -> Optional[pc.Expression]:
    if where is None or isinstance(where, pc.Expression):
        return where
    expr = None
    for column, wanted in where.items():
        if column not in FILTER_COLUMNS:
            raise ValueError(f"filter on column '{column}' is not supported: filter on one of "
                             f"{', '.join(FILTER_COLUMNS)}")
        if isinstance(wanted, (str, bytes, int, np.integer)) or wanted is None:
            wanted = [wanted]
        values = [int(v) for v in wanted] if column == "label" else list(wanted)
        term = pc.field(column).isin(values)
        expr = term if expr is None else expr & term
    return expr


class Table:
    """A factor table: its manifest, its Parquet files, and lazy readers of its rows.

    Open it with :func:`mmps.open`. Reading goes row group by row group, so memory stays at one row
    group (about 32 MB of factors) plus the batch being rebuilt, whatever the table's size.
    """

    def __init__(self, path: str, manifest: Manifest, files: List[str], subset_ids: Optional[pa.Array] = None):
        self.path = path
        self.manifest = manifest
        self.files = files
        self._subset_ids = subset_ids
        self._units: Optional[List[Unit]] = None
        self._work = rebuild.Workspace()

    # -- what the table is ------------------------------------------------------------------

    @property
    def codec(self) -> str:
        return self.manifest.compression.codec

    @property
    def dtype(self) -> str:
        return self.manifest.compression.dtype

    @property
    def classes(self) -> List[str]:
        return list(self.manifest.classes)

    @property
    def schema_version(self) -> int:
        return self.manifest.schema_version

    @property
    def version(self) -> Optional[int]:
        """The factor table's version read, for an output written as Delta tables; None for Parquet outputs."""
        versions = self.manifest.raw.get("delta")
        return None if not isinstance(versions, dict) else versions.get("version")

    @property
    def num_rows(self) -> int:
        """Rows in the table, from the Parquet footers (a subset's rows are counted as they are read)."""
        return sum(u.rows for u in self.units())

    def __len__(self) -> int:
        return self.num_rows

    def __repr__(self) -> str:
        return (f"mmps.Table({self.path!r}, rows={self.num_rows}, codec={self.codec}, dtype={self.dtype}, "
                f"classes={len(self.classes)})")

    def _parquet(self, file: str) -> pq.ParquetFile:
        try:
            return pq.ParquetFile(file)
        except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as e:
            raise FormatError(f"{file} is not a readable Parquet file ({e}); the table is damaged or was copied only "
                              "in part: copy it again, or compress the images again") from e

    def units(self) -> List[Unit]:
        """Every row group of every file, in file and row group order (from the footers only)."""
        if self._units is None:
            units = []
            for f in self.files:
                meta = self._parquet(f).metadata
                for g in range(meta.num_row_groups):
                    units.append(Unit(f, g, meta.row_group(g).num_rows))
            self._units = units
        return self._units

    # -- reading ------------------------------------------------------------------------------

    def read_unit(self, unit: Unit, columns: Sequence[str]) -> pa.Table:
        """One row group with only ``columns`` read (the factor blobs are not touched unless named)."""
        try:
            return self._parquet(unit.file).read_row_group(unit.row_group, columns=list(columns))
        except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as e:
            if isinstance(e, FormatError):
                raise
            raise FormatError(f"{unit.file}: row group {unit.row_group} cannot be read ({e}); the table is damaged: "
                              "copy it again, or compress the images again") from e

    def _selected(self, unit: Unit, where: Optional[pc.Expression]) -> Tuple[Optional[np.ndarray], Optional[pa.Table]]:
        """The rows of a unit that pass the filter and subset (None: all), and its metadata if it was read."""
        if where is None and self._subset_ids is None:
            return None, None
        meta = self.read_unit(unit, _META_COLUMNS)
        mask = np.ones(meta.num_rows, dtype=bool)
        if where is not None:
            mask &= _evaluate(meta, where)
        if self._subset_ids is not None:
            mask &= np.asarray(pc.is_in(meta.column("id"), value_set=self._subset_ids))
        return np.flatnonzero(mask), meta

    def tables(self, columns: Sequence[str], where: Where = None,
               units: Optional[Iterable[Unit]] = None) -> Iterator[pa.Table]:
        """Per row group, the selected rows with only ``columns`` read; row groups nothing passes are skipped."""
        expr = _expression(where)
        for unit in self.units() if units is None else units:
            picked, meta = self._selected(unit, expr)
            if picked is not None and len(picked) == 0:
                continue
            if meta is not None and all(c in _META_COLUMNS for c in columns):
                t = meta.select(list(columns))
            else:
                t = self.read_unit(unit, columns)
            yield t if picked is None else t.take(pa.array(picked))

    def read(self, columns: Sequence[str] = ("id", "label", "class_name"), where: Where = None) -> pa.Table:
        """The selected rows with only ``columns`` (default: the metadata) as one Arrow table."""
        parts = list(self.tables(columns, where))
        if not parts:
            return self.read_unit(self.units()[0], columns).slice(0, 0) if self.units() else pa.table({})
        return pa.concat_tables(parts)

    def labels(self, where: Where = None) -> np.ndarray:
        """Every selected row's label (int64, -1 where null), without touching the factors."""
        return _labels(self.read(["label"], where).column("label"))

    def ids(self, where: Where = None) -> np.ndarray:
        return np.asarray(self.read(["id"], where).column("id").to_pylist(), dtype=object)

    def batches(self, batch_size: int = 256, where: Where = None, images: bool = True, uint8: bool = False,
                clip: bool = True) -> Iterator[Batch]:
        """Batches of ``batch_size`` rows (the last may be smaller) in table order, rebuilt lazily.

        ``images=False`` reads only ids, labels and class names. ``uint8=True`` gives pixels as bytes
        (rounded); otherwise float32 on [0, 1], or as rebuilt (slightly outside [0, 1]) with ``clip=False``.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size {batch_size} is invalid: use a whole number of at least 1")
        columns = _META_COLUMNS + (_SHAPE_COLUMNS + ["stages"] if images else [])
        pending: List[pa.Table] = []
        held = 0
        for t in self.tables(columns, where):
            pending.append(t)
            held += t.num_rows
            while held >= batch_size:
                joined = pa.concat_tables(pending)
                yield self._batch(joined.slice(0, batch_size), images, uint8, clip)
                rest = joined.slice(batch_size)
                pending, held = [rest], rest.num_rows
        if held:
            yield self._batch(pa.concat_tables(pending), images, uint8, clip)

    def rows(self, where: Where = None, images: bool = True, uint8: bool = False, clip: bool = True) -> Iterator[Row]:
        """Row by row (rebuilt a row group's batch at a time)."""
        for batch in self.batches(1024, where, images, uint8, clip):
            for i in range(len(batch)):
                yield Row(batch.ids[i], None if batch.labels[i] < 0 else int(batch.labels[i]), batch.class_names[i],
                          None if batch.images is None else batch.images[i])

    def _batch(self, t: pa.Table, images: bool, uint8: bool, clip: bool) -> Batch:
        ids = np.asarray(t.column("id").to_pylist(), dtype=object)
        labels = _labels(t.column("label"))
        names = np.asarray(t.column("class_name").to_pylist(), dtype=object)
        pixels = rebuild_images(t, self.path, uint8=uint8, clip=clip, work=self._work) if images else None
        return Batch(ids, labels, names, pixels)


def _evaluate(meta: pa.Table, expr: pc.Expression) -> np.ndarray:
    """The filter's truth value per row of ``meta``."""
    import pyarrow.dataset as ds

    marked = meta.append_column("__row", pa.array(np.arange(meta.num_rows)))
    kept = ds.dataset(marked).to_table(filter=expr, columns=["__row"]).column("__row")
    mask = np.zeros(meta.num_rows, dtype=bool)
    mask[np.asarray(kept)] = True
    return mask


def _labels(column: Union[pa.Array, pa.ChunkedArray]) -> np.ndarray:
    return np.asarray(pc.fill_null(column, -1), dtype=np.int64)


def groups(t: pa.Table) -> List[Tuple[Tuple[str, str, str, int, int, int], np.ndarray]]:
    """Rows sharing codec, dtype, layout and shape (usually all of a table), each with its row numbers."""
    keys = list(zip(t.column("codec").to_pylist(), t.column("dtype").to_pylist(), t.column("layout").to_pylist(),
                    t.column("height").to_pylist(), t.column("width").to_pylist(), t.column("channels").to_pylist()))
    first = keys[0] if keys else None
    if all(k == first for k in keys):
        return [(first, np.arange(len(keys)))] if keys else []
    found: Dict[Tuple, List[int]] = {}
    for i, k in enumerate(keys):
        found.setdefault(k, []).append(i)
    return [(k, np.asarray(v)) for k, v in found.items()]


def pack_groups(t: pa.Table, where: str, pad: bool,
                work: Optional[rebuild.Workspace] = None) -> List[Tuple[np.ndarray, rebuild.Packed]]:
    """The factors of a batch, decoded and stacked per group of rows that share a shape (and, without
    ``pad``, their ranks), each with its row numbers."""
    out = []
    stages = t.column("stages")
    for (codec, dtype, layout, h, w, c), rows in groups(t):
        part = stages.take(pa.array(rows)) if len(rows) != t.num_rows else stages
        for within, packed in rebuild.pack(part, codec, dtype, layout, (h, w, c), where, pad=pad, work=work):
            out.append((rows[within], packed))
    return out


def rebuild_images(t: pa.Table, where: str, uint8: bool = False, clip: bool = True,
                   work: Optional[rebuild.Workspace] = None, channels_first: bool = False,
                   gather: Callable[[np.ndarray, np.ndarray, np.ndarray], None] = rebuild.gather_columns) -> np.ndarray:
    """The images of a batch of rows (all of one shape), ``(N, H, W, C)`` (``(N, C, H, W)`` if
    ``channels_first``): rows of equal ranks contracted together, without padding. With a workspace the
    intermediate arrays are reused from batch to batch; ``gather`` puts MPS values in pixel order."""
    parts = pack_groups(t, where, pad=False, work=work)
    shapes = {p.shape for _, p in parts}
    if len(shapes) > 1:
        raise FormatError(f"{where}: a batch holds images of shapes {sorted(shapes)}; read rows of one shape "
                          "together (filter them), or compress the images with --size")
    if not parts:
        return np.zeros((0, 0, 0, 0), dtype=np.uint8 if uint8 else np.float32)
    h, w, c = parts[0][1].shape
    shape = (t.num_rows, c, h, w) if channels_first else (t.num_rows, h, w, c)
    # Floats the caller keeps are fresh; floats only on the way to bytes stay in the workspace.
    images = work.get("images", shape) if uint8 and work is not None else np.empty(shape, dtype=np.float32)
    index_of = rebuild.pixel_index_channels_first if channels_first else rebuild.pixel_index
    with rebuild.one_blas_thread():
        for rows, p in parts:
            index = index_of(p.layout, *p.shape)
            if len(parts) == 1:
                rebuild.contract(p, np, index, work, images.reshape(t.num_rows, -1), channels_first, gather)
            else:
                part = np.empty((len(rows), h * w * c), dtype=np.float32)
                images[rows] = rebuild.contract(p, np, index, work, part, channels_first, gather)
    return to_pixels(images, uint8, clip)


def to_pixels(images: np.ndarray, uint8: bool, clip: bool) -> np.ndarray:
    if uint8:
        np.clip(images, 0.0, 1.0, out=images)
        images *= 255.0
        return np.rint(images, out=images).astype(np.uint8)
    return np.clip(images, 0.0, 1.0, out=images) if clip else images


def open_table(path: Union[str, os.PathLike], subset: Union[None, str, os.PathLike] = None,
               version: Optional[int] = None) -> Table:
    """Opens an mmps output folder (the ``--output`` of ``mmps compress``, or its ``factors/`` folder).

    ``subset``: the output of ``mmps select``; the table then reads only the rows it selected.
    ``version``: of an output written as Delta tables (``--table-format delta``), the factor table's
    version to read; the newest when None. ``table.version`` says which one was read.
    Raises :class:`mmps.FormatError` for anything that is not a readable table.
    """
    path = os.fspath(path)
    factors_folder = path if os.path.basename(os.path.normpath(path)) == "factors" else os.path.join(path, "factors")
    if delta.is_delta(factors_folder):
        manifest, files = _delta_table(os.path.dirname(os.path.normpath(factors_folder)), version)
        root = os.path.dirname(os.path.normpath(factors_folder))
    else:
        if version is not None:
            raise FormatError(f"{path} is a Parquet output, which keeps one version only; leave out version= "
                              "(outputs written with --table-format delta keep their versions)")
        manifest = read_manifest(locate(path))
        root = os.path.dirname(manifest.path)
        folder = os.path.join(root, "factors")
        if not os.path.isdir(folder):
            raise FormatError(f"{path} has a manifest but no factors/ folder: the output is damaged or was copied "
                              "only in part; copy it again, or compress the images again")
        files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".parquet"))
    subset_ids = None
    if subset is not None:
        subset_ids = _subset_ids(os.fspath(subset))
    return Table(root, manifest, files, subset_ids)


def _delta_table(root: str, version: Optional[int]) -> Tuple[Manifest, List[str]]:
    """The manifest and files of a version of an output of Delta tables: the manifest travels in the factor
    table's commit (``manifest.json`` beside it is a copy), its version and stored bytes come from the log."""
    snapshot = delta.read_snapshot(os.path.join(root, "factors"), version)
    where = os.path.join(root, "factors", delta.LOG, f"{snapshot.version:020d}.json")
    if snapshot.user_metadata is None:
        raise FormatError(f"{root}/factors is a Delta table whose commits carry no mmps manifest: it was not written "
                          "by mmps; read it with Spark's format('delta')")
    try:
        tree = json.loads(snapshot.user_metadata)
    except json.JSONDecodeError as e:
        raise FormatError(f"{where} holds a manifest that is not valid JSON ({e.msg}); the table is damaged") from e
    if not isinstance(tree.get("delta"), dict):
        raise FormatError(f"{where} holds a manifest without its Delta versions; the table is damaged: compress the "
                          "images again into a new output")
    tree["delta"]["version"] = snapshot.version
    stored = sum(snapshot.sizes)
    images = (tree.get("counts") or {}).get("images", 0) or 0
    if isinstance(tree.get("totals"), dict):
        tree["totals"]["stored_bytes"] = stored
        tree["totals"]["stored_bytes_per_image"] = 0.0 if images == 0 else stored / images
    return parse_manifest(tree, where), snapshot.files


def _subset_ids(folder: str) -> pa.Array:
    selection = os.path.join(folder, "selection")
    if not os.path.isdir(selection) or not os.path.isfile(os.path.join(folder, "manifest.json")):
        raise FormatError(f"{folder} is not an 'mmps select' output (it needs manifest.json and selection/): pass "
                          "the folder given to 'mmps select --output'")
    files = sorted(os.path.join(selection, f) for f in os.listdir(selection) if f.endswith(".parquet"))
    ids = [pq.read_table(f, columns=["id"]).column("id") for f in files]
    return pa.chunked_array([c for col in ids for c in col.chunks], type=pa.string()).combine_chunks()
