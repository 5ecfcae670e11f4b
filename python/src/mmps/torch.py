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
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple, Union

import numpy as np
import pyarrow as pa
import torch
from torch.utils.data import IterableDataset, get_worker_info

from . import rebuild
from .table import Table, Unit, Where, _labels, open_table, pack_groups

_COLUMNS = ["id", "label", "class_name", "height", "width", "channels", "layout", "codec", "dtype", "stages"]


@dataclass(frozen=True)
class Span:
    """Rows ``[start, stop)`` of a unit's shuffled order."""

    unit: int
    start: int
    stop: int


class FactorDataset(IterableDataset):
    """Batches ``(images, labels)`` rebuilt from a factor table, images ``(B, C, H, W)`` float32 on [0, 1].

    Use it with ``DataLoader(dataset, batch_size=None, num_workers=...)``: the dataset makes the
    batches itself. Call :meth:`set_epoch` before each epoch for a new order (the same seed and epoch
    always give the same order). ``rank`` and ``world_size`` default to ``torch.distributed``'s when it
    is initialised, else 0 and 1. ``device`` is where the contractions run (default: CPU; in data-loader
    workers always the CPU, since CUDA cannot be used there: move the batch yourself, or use
    ``num_workers=0`` to rebuild on the GPU). ``with_ids=True`` adds the rows' ids as a third element.
    """

    def __init__(self, path: Union[str, os.PathLike, Table], batch_size: int, shuffle: bool = True, seed: int = 0,
                 device: Union[None, str, torch.device] = None, drop_last: bool = False, where: Where = None,
                 rank: Optional[int] = None, world_size: Optional[int] = None, with_ids: bool = False,
                 clip: bool = True):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size {batch_size} is invalid: use a whole number of at least 1")
        self.table = path if isinstance(path, Table) else open_table(path)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.drop_last = drop_last
        self.where = where
        self.with_ids = with_ids
        self.clip = clip
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
        self._units: List[Unit] = self.table.units()
        self._sizes = self._unit_sizes()

    def _unit_sizes(self) -> np.ndarray:
        """Rows per unit that pass the filter (all of them without one: from the footers alone)."""
        if self.where is None and self.table._subset_ids is None:
            return np.array([u.rows for u in self._units], dtype=np.int64)
        return np.array([len(self._rows_of(u)) for u in self._units], dtype=np.int64)

    def _rows_of(self, unit: Unit) -> np.ndarray:
        """The row numbers in a unit that pass the filter, in order."""
        picked, _ = self.table._selected(unit, self._expression())
        return np.arange(unit.rows) if picked is None else picked

    def _expression(self):
        from .table import _expression
        return _expression(self.where)

    def set_epoch(self, epoch: int) -> None:
        """The epoch whose order the next iteration gives."""
        self.epoch = int(epoch)

    # -- the plan ---------------------------------------------------------------------------

    def _order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self._units))
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self._units))

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
        rows = self._rows_of(self._units[unit])
        if self.shuffle:
            rows = rows[np.random.default_rng([self.seed, self.epoch, unit]).permutation(len(rows))]
        return rows

    # -- iteration ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[tuple]:
        info = get_worker_info()
        if info is None:
            return self.iterate(0, 1, self.device)
        # CUDA cannot be used in data-loader worker processes: they rebuild on the CPU.
        return self.iterate(info.id, info.num_workers, torch.device("cpu") if self.device.type != "cpu" else self.device)

    def iterate(self, worker: int, workers: int, device: Optional[torch.device] = None) -> Iterator[tuple]:
        """The batches worker ``worker`` of ``workers`` of this rank serves this epoch (what ``__iter__`` runs)."""
        device = self.device if device is None else device
        cache: Tuple[int, Optional[pa.Table], Optional[np.ndarray]] = (-1, None, None)
        for spans in self.plan(worker, workers):
            parts = []
            for span in spans:
                if cache[0] != span.unit:
                    cache = (span.unit, self.table.read_unit(self._units[span.unit], _COLUMNS),
                             self._shuffled_rows(span.unit))
                parts.append(cache[1].take(pa.array(cache[2][span.start: span.stop])))
            yield self._batch(pa.concat_tables(parts), device)

    def _batch(self, t: pa.Table, device: torch.device) -> tuple:
        labels = torch.from_numpy(_labels(t.column("label")))
        images = rebuild_batch(t, device, self.table.path)
        if self.clip:
            images = images.clamp_(0.0, 1.0)
        if self.with_ids:
            return images, labels, t.column("id").to_pylist()
        return images, labels


def rebuild_batch(t: pa.Table, device: torch.device, where: str) -> torch.Tensor:
    """A batch's images as ``(B, C, H, W)`` float32 on ``device``: factors stacked on the CPU, contracted there."""
    parts = pack_groups(t, where)
    out = None
    for rows, packed in parts:
        on_device = packed.to(lambda a: torch.from_numpy(a).to(device, non_blocking=True))
        index = torch.from_numpy(rebuild.pixel_index(packed.layout, *packed.shape)).to(device)
        images = rebuild.contract(on_device, torch, index).permute(0, 3, 1, 2)
        if out is None:
            if len(parts) == 1:
                return images.contiguous()
            out = torch.empty((t.num_rows,) + tuple(images.shape[1:]), dtype=torch.float32, device=device)
        out[torch.from_numpy(rows).to(device)] = images
    assert out is not None
    return out
