"""PyTorch: :class:`FactorDataset`, a factor table as an ``IterableDataset`` of rebuilt batches.

Sharding. All ranks and workers agree on one order of the table's rows per epoch: the (file, row
group) units shuffled by ``(seed, epoch)``, and the rows inside each unit shuffled by
``(seed, epoch, unit)``. Rank ``r`` of ``R`` takes a contiguous slice of that order, and a data-loader
worker a contiguous run of its rank's batches, so every row is read exactly once per epoch across
all of them and each reader touches few row groups (at most two that it shares). With
``drop_last=True`` every rank gets the same number of full batches (the last ``< R * batch_size``
rows of the epoch are left out); without it every row is served and batch counts differ by at most
one between ranks.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Tuple, Union

import numpy as np
import pyarrow as pa
import torch
from torch.utils.data import IterableDataset, get_worker_info

from . import rebuild
from .table import Table, Unit, Where, _labels, open_table, pack_groups, rebuild_images

_COLUMNS = ["id", "label", "class_name", "height", "width", "channels", "layout", "codec", "dtype", "stages"]


@dataclass(frozen=True)
class Span:
    """Rows ``[start, stop)`` of a unit's shuffled order."""

    unit: int
    start: int
    stop: int


class _Sharded(IterableDataset):
    """The plan every dataset here shares: units of rows, shuffled per epoch, sliced over ranks and workers."""

    def __init__(self, batch_size: int, shuffle: bool, seed: int, device: Union[None, str, torch.device],
                 drop_last: bool, rank: Optional[int], world_size: Optional[int], with_ids: bool, threads: int):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size {batch_size} is invalid: use a whole number of at least 1")
        if not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads {threads!r} is invalid: use a whole number of at least 1 (1 makes the batches "
                             "in the iterating thread)")
        self.threads = threads
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.drop_last = drop_last
        self.with_ids = with_ids
        if world_size is None:
            dist = torch.distributed
            initialised = dist.is_available() and dist.is_initialized()
            world_size = dist.get_world_size() if initialised else 1
            rank = dist.get_rank() if initialised and rank is None else rank
        self.world_size = int(world_size)
        self.rank = 0 if rank is None else int(rank)
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank {self.rank} is invalid for world size {self.world_size}: use 0 to "
                             f"{self.world_size - 1}")
        self.epoch = 0
        self._sizes = np.zeros(0, dtype=np.int64)

    # What a dataset provides: its units' rows, reading a unit, and making a batch of parts of units.
    def _rows_of(self, unit: int) -> np.ndarray:
        raise NotImplementedError

    def _read(self, unit: int):
        raise NotImplementedError

    def _take(self, data, rows: np.ndarray):
        raise NotImplementedError

    def _make_batch(self, parts: list, device: torch.device) -> tuple:
        raise NotImplementedError

    def set_epoch(self, epoch: int) -> None:
        """The epoch whose order the next iteration gives."""
        self.epoch = int(epoch)

    def _order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self._sizes))
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self._sizes))

    def _rank_rows(self) -> Tuple[int, int]:
        """This rank's slice ``[start, stop)`` of the epoch's global row order."""
        total = int(self._sizes.sum())
        if self.drop_last:
            per = (total // self.world_size) // self.batch_size * self.batch_size
            return self.rank * per, (self.rank + 1) * per
        return self.rank * total // self.world_size, (self.rank + 1) * total // self.world_size

    def __len__(self) -> int:
        """Batches this rank gets per epoch (over all of its workers)."""
        start, stop = self._rank_rows()
        return -(-(stop - start) // self.batch_size)

    def plan(self, worker: int = 0, workers: int = 1) -> List[List[Span]]:
        """The batches one worker of this rank serves this epoch, each as spans of units' shuffled rows."""
        start, stop = self._rank_rows()
        batches = -(-(stop - start) // self.batch_size)
        first = worker * batches // workers
        last = (worker + 1) * batches // workers
        lo, hi = start + first * self.batch_size, min(stop, start + last * self.batch_size)
        order = self._order()
        ends = np.cumsum(self._sizes[order])
        out: List[List[Span]] = []
        current: List[Span] = []
        held = 0
        position = lo
        while position < hi:
            slot = int(np.searchsorted(ends, position, side="right"))
            unit_begin = int(ends[slot] - self._sizes[order[slot]])
            take = min(hi, int(ends[slot]), position + self.batch_size - held) - position
            current.append(Span(int(order[slot]), position - unit_begin, position - unit_begin + take))
            held += take
            position += take
            if held == self.batch_size or position == hi:
                out.append(current)
                current, held = [], 0
        return out

    def _shuffled_rows(self, unit: int) -> np.ndarray:
        rows = self._rows_of(unit)
        if self.shuffle:
            rows = rows[np.random.default_rng([self.seed, self.epoch, unit]).permutation(len(rows))]
        return rows

    def __iter__(self) -> Iterator[tuple]:
        info = get_worker_info()
        if info is None:
            return self.iterate(0, 1, self.device)
        # CUDA cannot be used in data-loader worker processes: they rebuild on the CPU.
        return self.iterate(info.id, info.num_workers, torch.device("cpu") if self.device.type != "cpu" else self.device)

    def iterate(self, worker: int, workers: int, device: Optional[torch.device] = None) -> Iterator[tuple]:
        """The batches worker ``worker`` of ``workers`` of this rank serves this epoch (what ``__iter__`` runs)."""
        device = self.device if device is None else device
        plan = self.plan(worker, workers)
        if self.threads > 1:
            yield from self._iterate_in_threads(plan, device)
            return
        cache: dict = {}

        def unit_data(unit: int) -> tuple:
            if unit not in cache:
                cache.clear()
                cache[unit] = self._load(unit)
            return cache[unit]

        for spans in plan:
            yield self._batch_of(spans, unit_data, device)

    def _load(self, unit: int) -> tuple:
        """A unit's data and its rows in this epoch's order."""
        return self._read(unit), self._shuffled_rows(unit)

    def _batch_of(self, spans: List[Span], unit_data: Callable[[int], tuple], device: torch.device) -> tuple:
        """The batch made of ``spans``, each unit's data and row order from ``unit_data``."""
        parts = []
        for span in spans:
            data, rows = unit_data(span.unit)
            parts.append(self._take(data, rows[span.start: span.stop]))
        return self._make_batch(parts, device)

    def _iterate_in_threads(self, plan: List[List[Span]], device: torch.device) -> Iterator[tuple]:
        """The plan's batches in order, read and made by ``threads`` threads of this process, a few batches
        ahead of the consumer. Reading Parquet, decoding blobs, the contractions and Pillow's decoding all
        release the interpreter's lock, so the threads use as many cores; unlike data-loader worker
        processes they hand a batch over without copying it through shared memory."""
        def make(spans: List[Span], loads: dict) -> tuple:
            return self._batch_of(spans, lambda unit: loads[unit].result(), device)

        pool = ThreadPoolExecutor(self.threads, thread_name_prefix="mmps-batches")
        try:
            ahead: deque = deque()
            loads: dict = {}
            for spans in plan:
                # A unit is loaded once, before the first batch that needs it (the queue is first in, first
                # out, so a batch never waits for a load queued behind it), and let go after the last.
                loads = {s.unit: loads[s.unit] if s.unit in loads else pool.submit(self._load, s.unit) for s in spans}
                ahead.append(pool.submit(make, spans, loads))
                while len(ahead) > 2 * self.threads:
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


class FactorDataset(_Sharded):
    """Batches ``(images, labels)`` rebuilt from a factor table, images ``(B, C, H, W)`` float32 on [0, 1].

    Use it with ``DataLoader(dataset, batch_size=None, num_workers=...)``: the dataset makes the
    batches itself. Call :meth:`set_epoch` before each epoch for a new order (the same seed and epoch
    always give the same order). ``rank`` and ``world_size`` default to ``torch.distributed``'s when it
    is initialised, else 0 and 1. ``device`` is where the contractions run (default: CPU; in data-loader
    workers always the CPU, since CUDA cannot be used there: move the batch yourself, or use
    ``num_workers=0`` to rebuild on the GPU). ``with_ids=True`` adds the rows' ids as a third element.
    ``threads=N`` makes the batches in N threads of the iterating process (or of each worker), a few
    batches ahead and in the same order as with one: a way to use several cores without worker
    processes, which copy every batch through shared memory.
    """

    def __init__(self, path: Union[str, os.PathLike, Table], batch_size: int, shuffle: bool = True, seed: int = 0,
                 device: Union[None, str, torch.device] = None, drop_last: bool = False, where: Where = None,
                 rank: Optional[int] = None, world_size: Optional[int] = None, with_ids: bool = False,
                 clip: bool = True, threads: int = 1):
        super().__init__(batch_size, shuffle, seed, device, drop_last, rank, world_size, with_ids, threads)
        self.table = path if isinstance(path, Table) else open_table(path)
        self.where = where
        self.clip = clip
        self._units: List[Unit] = self.table.units()
        self._idle_works: List[rebuild.Workspace] = []
        if self.where is None and self.table._subset_ids is None:
            self._sizes = np.array([u.rows for u in self._units], dtype=np.int64)
        else:
            self._sizes = np.array([len(self._rows_of(i)) for i in range(len(self._units))], dtype=np.int64)

    def _rows_of(self, unit: int) -> np.ndarray:
        """The row numbers in a unit that pass the filter, in order."""
        from .table import _expression

        picked, _ = self.table._selected(self._units[unit], _expression(self.where))
        return np.arange(self._units[unit].rows) if picked is None else picked

    def _read(self, unit: int) -> pa.Table:
        return self.table.read_unit(self._units[unit], _COLUMNS)

    def _take(self, data: pa.Table, rows: np.ndarray) -> pa.Table:
        return data.take(pa.array(rows))

    def __getstate__(self) -> dict:
        """What a data-loader worker started by pickling receives: everything but the buffers (it makes its own)."""
        state = self.__dict__.copy()
        state["_idle_works"] = []
        return state

    @contextmanager
    def _workspace(self) -> Iterator[rebuild.Workspace]:
        """Buffers to make one batch with, reused from batch to batch: as many sets as batches were ever
        made at once (one per thread with ``threads``), however many epochs the threads serve."""
        try:
            work = self._idle_works.pop()
        except IndexError:
            work = rebuild.Workspace()
        try:
            yield work
        finally:
            self._idle_works.append(work)

    def _make_batch(self, parts: list, device: torch.device) -> tuple:
        t = pa.concat_tables(parts)
        labels = torch.from_numpy(_labels(t.column("label")))
        with self._workspace() as work:
            images = rebuild_batch(t, device, self.table.path, work)
        if self.clip:
            images = images.clamp_(0.0, 1.0)
        if self.with_ids:
            return images, labels, t.column("id").to_pylist()
        return images, labels


class ImageFolderDataset(_Sharded):
    """The original images of a class-folder tree (``root/<class>/<file>``), decoded with Pillow, served as
    :class:`FactorDataset` serves a factor table: the same arguments, batches and sharding.

    Labels are the class folders' positions in sorted order, as ``mmps compress`` numbers them; ids are
    paths relative to ``root``. ``size=(H, W)`` scales the shorter side and crops the centre (as
    ``--size``); without it every image must have the same size.
    """

    #: Files per unit of sharding (the row group of a folder of images).
    UNIT_FILES = 1024
    EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")

    def __init__(self, root: Union[str, os.PathLike], batch_size: int, shuffle: bool = True, seed: int = 0,
                 device: Union[None, str, torch.device] = None, drop_last: bool = False,
                 rank: Optional[int] = None, world_size: Optional[int] = None, with_ids: bool = False,
                 size: Optional[Tuple[int, int]] = None, threads: int = 1):
        super().__init__(batch_size, shuffle, seed, device, drop_last, rank, world_size, with_ids, threads)
        self.root = os.fspath(root)
        self.size = size
        if not os.path.isdir(self.root):
            raise ValueError(f"{self.root} is not a folder: pass a class-folder tree (root/<class>/<file>)")
        self.classes = sorted(d for d in os.listdir(self.root) if os.path.isdir(os.path.join(self.root, d)))
        files = []
        for label, name in enumerate(self.classes):
            for folder, _, names in sorted(os.walk(os.path.join(self.root, name))):
                for f in sorted(names):
                    if f.lower().endswith(self.EXTENSIONS):
                        files.append((os.path.relpath(os.path.join(folder, f), self.root), label))
        if not files:
            raise ValueError(f"{self.root} holds no images in class folders: pass a class-folder tree")
        self.files = files
        n = len(files)
        self._sizes = np.array([min(self.UNIT_FILES, n - s) for s in range(0, n, self.UNIT_FILES)], dtype=np.int64)

    def _rows_of(self, unit: int) -> np.ndarray:
        return np.arange(int(self._sizes[unit]))

    def _read(self, unit: int) -> int:
        return unit * self.UNIT_FILES

    def _take(self, first: int, rows: np.ndarray) -> list:
        return [self.files[first + int(r)] for r in rows]

    def _decode(self, path: str) -> np.ndarray:
        from PIL import Image

        with Image.open(os.path.join(self.root, path)) as im:
            im = im.convert("RGB")
            if self.size is not None:
                h, w = self.size
                scale = max(h / im.height, w / im.width)
                im = im.resize((max(w, round(im.width * scale)), max(h, round(im.height * scale))),
                               Image.BILINEAR)
                left, top = (im.width - w) // 2, (im.height - h) // 2
                im = im.crop((left, top, left + w, top + h))
            return np.asarray(im)

    def _make_batch(self, parts: list, device: torch.device) -> tuple:
        files = [f for part in parts for f in part]
        pixels = np.stack([self._decode(path) for path, _ in files])
        images = torch.from_numpy(pixels).to(device).permute(0, 3, 1, 2).float().div_(255.0)
        labels = torch.tensor([label for _, label in files], dtype=torch.int64)
        if self.with_ids:
            return images, labels, [path for path, _ in files]
        return images, labels


def _index_select(tensor: np.ndarray, index: np.ndarray, out: np.ndarray) -> None:
    """:func:`mmps.rebuild.gather_columns` by torch on the same memory: torch's gather ran about twice as
    fast as numpy's on a photograph's 150,528 values (550-610 against 1,230-1,330 us an image)."""
    torch.index_select(torch.from_numpy(tensor), 1, torch.from_numpy(index), out=torch.from_numpy(out))


def rebuild_batch(t: pa.Table, device: torch.device, where: str, work: Optional[rebuild.Workspace] = None,
                  padded: Optional[bool] = None) -> torch.Tensor:
    """A batch's images as ``(B, C, H, W)`` float32 on ``device``: factors decoded and stacked on the CPU.

    On an accelerator the batch's factors are zero-padded to its largest ranks and contracted there at
    once. On the CPU the same contractions run through numpy, rows of equal ranks together without
    padding (the same sums, fewer products; torch's batched products of small matrices are three to
    four times slower on a CPU), and the result is handed to torch without a copy. ``work`` reuses the
    CPU buffers from batch to batch; ``padded`` forces the accelerators' way (or the CPU's) on any device.
    """
    if not (padded if padded is not None else device.type != "cpu"):
        return torch.from_numpy(rebuild_images(t, where, clip=False, work=work, channels_first=True,
                                               gather=_index_select))
    parts = pack_groups(t, where, pad=True, work=work)
    out = None
    for rows, packed in parts:
        on_device = packed.to(lambda a: torch.from_numpy(a).to(device, non_blocking=True))
        index = torch.from_numpy(rebuild.pixel_index_channels_first(packed.layout, *packed.shape)).to(device)
        images = rebuild.contract(on_device, torch, index, channels_first=True)
        if len(parts) == 1:
            return images.contiguous()
        if out is None:
            out = torch.empty((t.num_rows,) + tuple(images.shape[1:]), dtype=torch.float32, device=device)
        out[torch.from_numpy(rows).to(device)] = images
    assert out is not None
    return out
