"""Rebuilding images from factor rows, a whole batch at a time (docs/FORMAT.md).

The work splits in two. :func:`pack` runs on the CPU with numpy: it decodes every factor blob of a
batch in a few vectorised passes (no Python loop over rows) and stacks each factor across the batch
with its ranks zero-padded to the batch's largest. Zero rows and columns on a bond add nothing to a
contraction, so rows whose ranks differ are rebuilt together, exactly. :func:`contract` then rebuilds
the pixels with batched matrix products and einsums, written once for numpy and for torch (``xp`` is
either module), so the torch dataset runs the same code on its device.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pyarrow as pa

from .errors import FormatError

CODECS = ("mmps", "mps", "svd", "cp", "tucker")
DTYPES = ("float32", "float16", "int8")


# ---------------------------------------------------------------------------------------------
# Layouts


@lru_cache(maxsize=64)
def pixel_index(layout: str, height: int, width: int, channels: int) -> np.ndarray:
    """For each pixel of an ``H x W x C`` image (row-major), its position in the layout's tensor."""
    kind, _, body = layout.partition(":")
    if kind == "row":
        spec, _, pad = body.partition("@")
        dims = [int(d) for d in spec.split(",")]
        ph, pw = (int(v) for v in pad.split("x")) if pad else (height, width)
        if ph < height or pw < width or ph * pw * channels > int(np.prod(dims)):
            raise FormatError(f"layout '{layout}' does not fit a {height}x{width}x{channels} image")
        positions = np.arange(ph * pw * channels, dtype=np.int64).reshape(ph, pw, channels)
    elif kind == "block":
        f = [[int(v) for v in core.split("x")] for core in body.split(",")]
        f = [x + [1] if len(x) == 2 else x for x in f]
        if any(len(x) != 3 for x in f):
            raise FormatError(f"layout '{layout}' is malformed: each core is HxW or HxWxC")
        n = len(f)
        hs, ws, cs = (int(np.prod([x[a] for x in f])) for a in range(3))
        if cs != channels or hs < height or ws < width:
            raise FormatError(f"layout '{layout}' does not fit a {height}x{width}x{channels} image")
        t = np.arange(hs * ws * cs, dtype=np.int64).reshape([v for triple in f for v in triple])
        order = [3 * k for k in range(n)] + [3 * k + 1 for k in range(n)] + [3 * k + 2 for k in range(n)]
        positions = t.transpose(order).reshape(hs, ws, cs)
    else:
        raise FormatError(f"layout '{layout}' is of an unknown kind '{kind}': a newer mmps wrote the table; "
                          "upgrade the Python package")
    return np.ascontiguousarray(positions[:height, :width, :]).reshape(-1)


@lru_cache(maxsize=64)
def pixel_index_channels_first(layout: str, height: int, width: int, channels: int) -> np.ndarray:
    """:func:`pixel_index` for pixels in ``C x H x W`` order, as PyTorch models take them."""
    hwc = pixel_index(layout, height, width, channels).reshape(height, width, channels)
    return np.ascontiguousarray(hwc.transpose(2, 0, 1)).reshape(-1)


def layout_dims(layout: str) -> Tuple[int, ...]:
    kind, _, body = layout.partition(":")
    if kind == "row":
        return tuple(int(d) for d in body.partition("@")[0].split(","))
    return tuple(int(np.prod([int(v) for v in core.split("x")])) for core in body.split(","))


# ---------------------------------------------------------------------------------------------
# Blobs


def _binary_parts(blobs: pa.Array) -> Tuple[np.ndarray, np.ndarray]:
    """The offsets (int64, one more than blobs) and the data bytes of a (large) binary array."""
    if pa.types.is_large_binary(blobs.type):
        offsets = np.frombuffer(blobs.buffers()[1], dtype=np.int64)
    elif pa.types.is_binary(blobs.type):
        offsets = np.frombuffer(blobs.buffers()[1], dtype=np.int32)
    else:
        raise FormatError(f"factor blobs are of type {blobs.type}, not binary")
    offsets = offsets[blobs.offset: blobs.offset + len(blobs) + 1].astype(np.int64)
    data_buffer = blobs.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    return offsets, data


@dataclass
class Values:
    """Every factor of a batch decoded to float32: blob ``i`` is ``values[start[i] : start[i] + length[i]]``."""

    values: np.ndarray
    start: np.ndarray
    length: np.ndarray


class Workspace:
    """Buffers reused from batch to batch (numpy only), so that a reader allocates almost nothing per batch:
    fresh memory costs a page fault per page, which on some machines outweighs the arithmetic."""

    def __init__(self) -> None:
        self._buffers: Dict[Tuple, np.ndarray] = {}

    def get(self, key: Any, shape: Tuple[int, ...]) -> np.ndarray:
        size = int(np.prod(shape))
        buf = self._buffers.get(key)
        if buf is None or buf.size < size:
            buf = np.empty(max(size, 1), dtype=np.float32)
            self._buffers[key] = buf
        return buf[:size].reshape(shape)


def decode_blobs(blobs: pa.Array, dtype: str, where: str) -> Values:
    """Decodes every blob of a binary array stored at ``dtype`` (FORMAT.md, "Stored precision")."""
    offsets, data = _binary_parts(blobs)
    base = offsets[0]
    sizes = np.diff(offsets)
    if dtype in ("float32", "float16"):
        width = 4 if dtype == "float32" else 2
        if np.any(sizes % width):
            bad = int(np.flatnonzero(sizes % width)[0])
            raise FormatError(f"{where}: a {dtype} factor holds {int(sizes[bad])} bytes, not a multiple of {width}; "
                              "the table is damaged: compress the images again")
        raw = data[base: offsets[-1]]
        values = raw.view("<f4" if width == 4 else "<f2")
        if values.dtype != np.float32 or not values.flags.aligned or values.dtype.byteorder not in ("=", "<", "|"):
            values = values.astype(np.float32)
        return Values(values, (offsets[:-1] - base) // width, sizes // width)
    if dtype == "int8":
        head = offsets[:-1]
        if np.any(sizes < 4):
            raise FormatError(f"{where}: an int8 factor is shorter than its 4-byte header; the table is damaged: "
                              "compress the images again")
        s = (data[head].astype(np.int64) | data[head + 1].astype(np.int64) << 8
             | data[head + 2].astype(np.int64) << 16 | data[head + 3].astype(np.int64) << 24)
        n = sizes - 4 - 4 * s
        if np.any(s < 1) or np.any(n < 0) or np.any(n % np.maximum(s, 1)):
            raise FormatError(f"{where}: an int8 factor's scale count does not divide its values; the table is "
                              "damaged: compress the images again")
        return _dequantise(data, head, s, n)
    raise FormatError(f"{where}: dtype '{dtype}' is unknown (this package reads {', '.join(DTYPES)}): a newer mmps "
                      "wrote the table; upgrade the Python package")


def _dequantise(data: np.ndarray, head: np.ndarray, scales: np.ndarray, count: np.ndarray) -> Values:
    """The values of int8 blobs starting at ``head``: ``scales[i]`` float32 scales, then ``count[i]`` int8
    values in as many equal runs, one scale each. Blobs of one shape (``scales``, ``count``) are decoded
    together as 2-D arrays, and their values laid out one after the other: a batch holds few shapes,
    and rows of equal ranks come out equally spaced, which :func:`stack` copies without an index."""
    start = np.zeros(len(head), dtype=np.int64)
    values = np.empty(int(count.sum()), dtype=np.float32)
    shapes, which = np.unique(np.stack([scales, count], axis=1), axis=0, return_inverse=True)
    order = np.argsort(which.reshape(-1), kind="stable")
    bounds = np.searchsorted(which.reshape(-1)[order], np.arange(len(shapes) + 1))
    at = 0
    for g, (s, n) in enumerate(shapes.tolist()):
        blobs = order[bounds[g]: bounds[g + 1]]
        first = head[blobs][:, None]
        factors = data[first + 4 + np.arange(4 * s)].view("<f4")  # (blobs, s)
        quantised = data[first + 4 + 4 * s + np.arange(n)].view(np.int8)  # (blobs, n)
        out = values[at: at + len(blobs) * n].reshape(len(blobs), s, n // s)
        np.multiply(quantised.reshape(len(blobs), s, n // s), factors[:, :, None], out=out)
        start[blobs] = at + n * np.arange(len(blobs))
        at += len(blobs) * n
    return Values(values, start, count.copy())


def stack(values: Values, blob: np.ndarray, shapes: np.ndarray, where: str, work: Optional[Workspace] = None,
          key: Any = None) -> np.ndarray:
    """One factor per row as a ``(B, d0, d1, d2)`` float32 array zero-padded to the largest extents.

    ``blob[b]`` is the blob of row ``b`` (-1: the row lacks the factor, zeros); ``shapes[b]`` its extents.
    With a workspace the array is one of its buffers (valid until the same ``key`` is asked for again).
    """
    b = len(blob)
    present = blob >= 0
    dims = np.where(present[:, None], shapes, 1).astype(np.int64)
    big = dims.max(axis=0) if b else np.ones(3, dtype=np.int64)
    d0, d1, d2 = (int(v) for v in big)
    idx = blob[present]
    want = dims[present].prod(axis=1)
    have = values.length[idx]
    if np.any(want != have):
        bad = int(np.flatnonzero(want != have)[0])
        raise FormatError(f"{where}: a factor holds {int(have[bad])} values where its extents "
                          f"{'x'.join(str(int(v)) for v in dims[present][bad])} make {int(want[bad])}; the table is "
                          "damaged: check it with 'mmps inspect' and compress the images again")
    shape = (b, d0, d1, d2)
    out = work.get(key, shape) if work is not None else np.empty(shape, dtype=np.float32)
    n = d0 * d1 * d2
    if present.all() and np.all(dims == big):
        starts = values.start[idx]
        steps = np.diff(starts)
        if b > 1 and np.all(steps == steps[0]) and steps[0] >= n:
            # Equally spaced blobs (rows of equal ranks): a strided view, copied without an index array.
            first = values.values[int(starts[0]):]
            item = values.values.itemsize
            view = np.lib.stride_tricks.as_strided(first, shape=(b, n), strides=(int(steps[0]) * item, item))
            np.copyto(out.reshape(b, n), view)
        else:
            np.take(values.values, starts[:, None] + np.arange(n, dtype=np.int64)[None, :], out=out.reshape(b, n))
        return out
    out.fill(0.0)
    rows = np.flatnonzero(present)
    kinds, which = np.unique(dims[present], axis=0, return_inverse=True)
    for g, (e0, e1, e2) in enumerate(kinds.tolist()):
        r = rows[which.reshape(-1) == g]
        gather = values.start[blob[r]][:, None] + np.arange(e0 * e1 * e2, dtype=np.int64)[None, :]
        out[r, :e0, :e1, :e2] = values.values[gather].reshape(len(r), e0, e1, e2)
    return out


# ---------------------------------------------------------------------------------------------
# Batches


@dataclass
class Packed:
    """A batch's factors, stacked and padded, ready to contract (numpy arrays, float32)."""

    codec: str
    layout: str
    shape: Tuple[int, int, int]
    factors: List[List[np.ndarray]]  # per stage, per factor

    def to(self, convert) -> "Packed":
        return Packed(self.codec, self.layout, self.shape, [[convert(f) for f in s] for s in self.factors])


def pack(stages: pa.Array, codec: str, dtype: str, layout: str, shape: Tuple[int, int, int],
         where: str, pad: bool = True, work: Optional[Workspace] = None) -> List[Tuple[np.ndarray, Packed]]:
    """Decodes and stacks the ``stages`` column of rows sharing codec, dtype, layout and shape.

    With ``pad`` all rows come back as one :class:`Packed`, ranks zero-padded to the batch's largest;
    without it, one per group of rows whose ranks are all equal (no padding, no wasted products), each
    with its row numbers. With a workspace the MPS cores are its buffers (used until the next batch).
    """
    if codec not in CODECS:
        raise FormatError(f"{where}: codec '{codec}' is unknown (this package reads {', '.join(CODECS)}): a newer "
                          "mmps wrote the table; upgrade the Python package")
    stages = stages.combine_chunks() if isinstance(stages, pa.ChunkedArray) else stages
    h, w, c = shape
    b = len(stages)
    all_stage_off = np.asarray(stages.offsets, dtype=np.int64)
    all_per_row = np.diff(all_stage_off)
    all_stage_off = all_stage_off[:-1]
    entries = stages.flatten()  # struct<ranks, cores>, one per stage of every row
    ranks_list = entries.field("ranks")
    cores_list = entries.field("cores")
    rank_off = np.asarray(ranks_list.offsets, dtype=np.int64)
    ranks = np.asarray(ranks_list.flatten(), dtype=np.int64)
    core_off = np.asarray(cores_list.offsets, dtype=np.int64)
    values = decode_blobs(cores_list.flatten(), dtype, where)
    ncores = np.diff(core_off)
    nranks = np.diff(rank_off)

    def blob_of(e: np.ndarray, k: int) -> np.ndarray:
        ok = e >= 0
        out = np.full(len(e), -1, dtype=np.int64)
        if np.any(ncores[e[ok]] <= k):
            raise FormatError(f"{where}: a {codec} stage holds fewer factors than its codec needs; the table is "
                              "damaged: compress the images again")
        out[ok] = core_off[e[ok]] + k
        return out

    def rank(e: np.ndarray, i: int, default: int = 1) -> np.ndarray:
        ok = e >= 0
        out = np.full(len(e), default, dtype=np.int64)
        if np.any(nranks[e[ok]] <= i):
            raise FormatError(f"{where}: a {codec} stage holds fewer ranks than its codec needs; the table is "
                              "damaged: compress the images again")
        out[ok] = ranks[rank_off[e[ok]] + i]
        return out

    def build(sel: np.ndarray, group: int) -> Packed:
        b = len(sel)
        per_row = all_per_row[sel]
        stage_first = all_stage_off[sel]

        def entry(s: int) -> np.ndarray:
            """Per row, the index of its stage ``s`` (-1 if it has fewer)."""
            return np.where(per_row > s, stage_first + s, -1)

        factors: List[List[np.ndarray]] = []
        if codec in ("mmps", "mps"):
            dims = layout_dims(layout)
            for s in range(int(per_row.max()) if b else 0):
                e = entry(s)
                cores = []
                for k, j in enumerate(dims):
                    extents = np.stack([rank(e, k), np.full(b, j), rank(e, k + 1)], axis=1)
                    cores.append(stack(values, blob_of(e, k), extents, where, work, ("core", group, s, k)))
                factors.append(cores)
        elif codec == "svd":
            if np.any(per_row != c):
                raise FormatError(f"{where}: an svd row holds {int(per_row[per_row != c][0])} stages for {c} channels; "
                                  "the table is damaged: compress the images again")
            us, vs = [], []
            for ch in range(c):
                e = entry(ch)
                r = rank(e, 1)
                us.append(stack(values, blob_of(e, 0), np.stack([np.full(b, h), r, np.ones(b, np.int64)], 1), where))
                vs.append(stack(values, blob_of(e, 1), np.stack([r, np.full(b, w), np.ones(b, np.int64)], 1), where))
            rmax = max(u.shape[2] for u in us)
            us = [np.pad(u, ((0, 0), (0, 0), (0, rmax - u.shape[2]), (0, 0))) for u in us]
            vs = [np.pad(v, ((0, 0), (0, rmax - v.shape[1]), (0, 0), (0, 0))) for v in vs]
            factors.append([np.stack([u[..., 0] for u in us], 1), np.stack([v[..., 0] for v in vs], 1)])
        elif codec == "tucker":
            e = entry(0)
            r1, r2, r3 = rank(e, 0), rank(e, 1), rank(e, 2)
            one = np.ones(b, np.int64)
            factors.append([
                stack(values, blob_of(e, 0), np.stack([r1, r2, r3], 1), where),
                stack(values, blob_of(e, 1), np.stack([np.full(b, h), r1, one], 1), where)[..., 0],
                stack(values, blob_of(e, 2), np.stack([np.full(b, w), r2, one], 1), where)[..., 0],
                stack(values, blob_of(e, 3), np.stack([np.full(b, c), r3, one], 1), where)[..., 0]])
        else:  # cp
            e = entry(0)
            r = rank(e, 0)
            one = np.ones(b, np.int64)
            factors.append([stack(values, blob_of(e, k), np.stack([np.full(b, n), r, one], 1), where)[..., 0]
                            for k, n in enumerate((h, w, c))])
        return Packed(codec, layout, shape, factors)

    if pad or b == 0:
        return [(np.arange(b), build(np.arange(b), 0))]
    most_ranks, most_stages = int(nranks.max(initial=0)), int(all_per_row.max(initial=0))
    signature = np.full((b, most_ranks * most_stages + 1), -1, np.int64)
    for s in range(most_stages):
        e = np.where(all_per_row > s, all_stage_off + s, -1)
        for i in range(most_ranks):
            ok = e >= 0
            ok[ok] = nranks[e[ok]] > i
            signature[ok, s * most_ranks + i] = ranks[rank_off[e[ok]] + i]
    kinds, which = np.unique(signature, axis=0, return_inverse=True)
    groups = [np.flatnonzero(which.reshape(-1) == g) for g in range(len(kinds))]
    return [(rows, build(rows, g)) for g, rows in enumerate(groups)]


def split_bond(shapes: Sequence[Tuple[int, int, int]]) -> int:
    """Where to join a chain of cores ``(r_k, j_k, r_{k+1})`` contracted from both ends: the bond ``m`` that
    minimises the multiplications of contracting cores ``0..m-1`` left to right, cores ``m..n-1`` right
    to left, and the two results together (``m = n``: all left to right). The final product makes all
    ``prod j`` values at a cost of ``r_m`` each, so the split avoids carrying large prefixes across
    the wide bonds in the middle of the chain."""
    n = len(shapes)
    best, best_cost = n, None
    for m in range(1, n + 1):
        cost, prefix = 0, shapes[0][1]
        for k in range(1, m):
            r0, j, r1 = shapes[k]
            cost += prefix * r0 * j * r1
            prefix *= j
        suffix = 1
        if m < n:
            suffix = shapes[n - 1][1]
            for k in range(n - 2, m - 1, -1):
                r0, j, r1 = shapes[k]
                cost += r0 * j * r1 * suffix
                suffix *= j
            cost += prefix * shapes[m][0] * suffix
        if best_cost is None or cost < best_cost:
            best, best_cost = m, cost
    return best


def _contract_stage(cores: List[Any], xp: Any, work: Optional[Workspace], s: int) -> Any:
    """One MPS stage of every row, ``(B, prod j)``: the chain contracted from both ends (:func:`split_bond`)."""
    b = cores[0].shape[0]
    n = len(cores)
    m = split_bond([tuple(int(v) for v in c.shape[1:]) for c in cores])

    def product(x: Any, y: Any, key: Tuple) -> Any:
        if work is None:
            return xp.matmul(x, y)
        buf = work.get(key, (b, x.shape[1], y.shape[2]))
        return xp.matmul(x, y, out=buf if xp is np else xp.from_numpy(buf))

    left = cores[0].reshape(b, cores[0].shape[2], cores[0].shape[3])  # first bond is 1: (B, j_0, r_1)
    for k in range(1, m):
        _, r0, j, r1 = cores[k].shape
        left = product(left, cores[k].reshape(b, r0, j * r1), ("left", s, k)).reshape(b, -1, r1)
    if m == n:
        return left.reshape(b, -1)
    right = cores[n - 1].reshape(b, cores[n - 1].shape[1], cores[n - 1].shape[2])  # last bond is 1: (B, r, j)
    for k in range(n - 2, m - 1, -1):
        _, r0, j, r1 = cores[k].shape
        right = product(cores[k].reshape(b, r0 * j, r1), right, ("right", s, k)).reshape(b, r0, -1)
    return product(left, right, ("join", s)).reshape(b, -1)


class _OneBlasThread:
    """A context in which numpy's BLAS runs on one thread. The batched products here are many small
    matrices: a multi-threaded BLAS gains nothing on them, and on a machine whose cores other work also
    wants its spinning threads made the rebuild of 224x224 photographs 8.5 times slower (26 against
    222 images/s).

    The BLAS thread count is a setting of the whole process, so the context counts who is inside it:
    the first thread in sets the limit, the last one out restores what was there before, and batches
    rebuilt by several threads at once (``FactorDataset(threads=...)``) neither lift the limit from
    under each other nor leave it set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._controller: Any = None
        self._limit: Any = None

    def __enter__(self) -> "_OneBlasThread":
        with self._lock:
            if self._inside == 0:
                if self._controller is None:
                    from threadpoolctl import ThreadpoolController
                    self._controller = ThreadpoolController()
                self._limit = self._controller.limit(limits=1, user_api="blas")
            self._inside += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self._inside -= 1
            if self._inside == 0:
                self._limit.restore_original_limits()
                self._limit = None


_ONE_BLAS_THREAD = _OneBlasThread()


def one_blas_thread() -> _OneBlasThread:
    """See :class:`_OneBlasThread`."""
    return _ONE_BLAS_THREAD


#: Values an image from which :func:`gather_columns` takes row by row.
ROW_GATHER_FROM = 16384


def gather_columns(tensor: np.ndarray, index: np.ndarray, out: np.ndarray) -> None:
    """``out[:, i] = tensor[:, index[i]]``: the MPS tensor's values put in pixel order. Large images go row by
    row, which numpy's ``take`` did about a quarter faster than along the second axis of the whole batch
    (290 against 350-440 us for a 224x224 photograph); small ones at once, to spare the loop."""
    if tensor.shape[1] >= ROW_GATHER_FROM:
        for row in range(tensor.shape[0]):
            np.take(tensor[row], index, out=out[row])
    else:
        np.take(tensor, index, axis=1, out=out)


def contract(p: Packed, xp: Any, index: Any, work: Optional[Workspace] = None, out: Any = None,
             channels_first: bool = False, gather: Callable[[Any, Any, Any], None] = gather_columns) -> Any:
    """The batch's images, ``(B, H, W, C)`` float32 (``(B, C, H, W)`` if ``channels_first``), from packed
    factors; ``xp`` is numpy or torch.

    ``index`` is :func:`pixel_index` of the batch's layout as an array of ``xp`` (used by MPS codecs), or
    :func:`pixel_index_channels_first` with ``channels_first``.
    ``work`` holds the intermediate products (numpy, or torch on the CPU) and ``out`` (``(B, H*W*C)``, numpy)
    receives the pixels, put in order by ``gather`` (:func:`gather_columns`, or a faster one on the same arrays).
    """
    h, w, c = p.shape
    if p.codec in ("mmps", "mps"):
        tensor = None
        for s, cores in enumerate(p.factors):
            t = _contract_stage(cores, xp, work, s)
            if tensor is None:
                tensor = t
            elif work is not None:
                xp.add(tensor, t, out=tensor)
            else:
                tensor = tensor + t
        if tensor is None:
            raise FormatError("a batch of MPS rows holds no stages; the table is damaged: compress the images again")
        shape = (tensor.shape[0], c, h, w) if channels_first else (tensor.shape[0], h, w, c)
        if out is not None:
            gather(tensor, index, out)
            return out.reshape(shape)
        return tensor[:, index].reshape(shape)
    if p.codec == "svd":
        u, v = p.factors[0]  # (B, C, H, R), (B, C, R, W)
        images = xp.moveaxis(xp.matmul(u, v), 1, 3)
    elif p.codec == "tucker":
        g, u1, u2, u3 = p.factors[0]
        images = xp.einsum("zabc,zia,zjb,zkc->zijk", g, u1, u2, u3)
    else:
        a, b_, c_ = p.factors[0]
        images = xp.einsum("zir,zjr,zkr->zijk", a, b_, c_)
    if channels_first:
        images = xp.moveaxis(images, 3, 1)
    if out is not None:
        out.reshape(images.shape)[...] = images
        return out.reshape(images.shape)
    return images
