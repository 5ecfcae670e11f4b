"""Images per second: rebuilt from a factor table (numpy reader, one process; FactorDataset on torch's CPU
with data-loader workers) against decoding the source images with Pillow (one process, and
ImageFolderDataset with the same workers), in one command so the ratios compare like with like.

    python python/benchmarks/reader_speed.py --table target/bench/cifar10-train-fp32 \\
        --images target/datasets/cifar10/train [--size 224x224] [--workers 2] [--threads 2] [--batch 256] [--rounds 2]

Each figure is the best of ``--rounds`` passes over every image (the files in the page cache after
the first); the data-loader figures include starting the workers, as a training epoch pays it, and
handing each batch from a worker to the main process through shared memory; the threads rows make
the batches in threads of the one process (``threads=``).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Callable, Optional, Tuple

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader

import mmps
from mmps.torch import FactorDataset, ImageFolderDataset


def best(rounds: int, run: Callable[[], int]) -> Tuple[float, int]:
    times, count = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        count = run()
        times.append(time.perf_counter() - start)
    return min(times), count


def numpy_reader(table: str, batch: int, uint8: bool) -> int:
    n = 0
    for b in mmps.open(table).batches(batch, uint8=uint8):
        n += len(b)
    return n


def loader(dataset, workers: int) -> int:
    n = 0
    for images, labels in DataLoader(dataset, batch_size=None, num_workers=workers):
        n += images.shape[0]
    return n


def pillow(root: str, size: Optional[Tuple[int, int]]) -> int:
    decode = ImageFolderDataset(root, batch_size=1, shuffle=False, size=size)
    n = 0
    for path, _ in decode.files:
        np.asarray(decode._decode(path))
        n += 1
    return n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--table", required=True)
    p.add_argument("--images", required=True, help="the class-folder tree the table was compressed from")
    p.add_argument("--size", default=None, help="HxW, as given to mmps compress --size")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=2, help="threads of the datasets' threads=... rows")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--rounds", type=int, default=2)
    a = p.parse_args()
    size = tuple(int(v) for v in a.size.split("x")) if a.size else None
    torch.set_num_threads(1)  # each worker (and the one-process readers) on one core, like numpy here
    table = mmps.open(a.table)
    print(f"table {a.table}: {table.num_rows} rows, codec {table.codec}, dtype {table.dtype}, "
          f"mean ratio {table.manifest.stats.get('mean_ratio')}; images {a.images}; batch {a.batch}; "
          f"workers {a.workers}; threads {a.threads}; {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
    figures = {}
    figures["pillow, one process"] = best(a.rounds, lambda: pillow(a.images, size))
    figures["ImageFolderDataset (Pillow), in the main process"] = best(a.rounds, lambda: loader(
        ImageFolderDataset(a.images, a.batch, size=size), 0))
    figures[f"ImageFolderDataset (Pillow), {a.workers} workers"] = best(a.rounds, lambda: loader(
        ImageFolderDataset(a.images, a.batch, size=size), a.workers))
    figures[f"ImageFolderDataset (Pillow), {a.threads} threads"] = best(a.rounds, lambda: loader(
        ImageFolderDataset(a.images, a.batch, size=size, threads=a.threads), 0))
    figures["numpy reader, one process, float32"] = best(a.rounds, lambda: numpy_reader(a.table, a.batch, False))
    figures["numpy reader, one process, uint8"] = best(a.rounds, lambda: numpy_reader(a.table, a.batch, True))
    figures["FactorDataset (torch CPU), in the main process"] = best(a.rounds, lambda: loader(
        FactorDataset(a.table, a.batch), 0))
    figures[f"FactorDataset (torch CPU), {a.workers} workers"] = best(a.rounds, lambda: loader(
        FactorDataset(a.table, a.batch), a.workers))
    figures[f"FactorDataset (torch CPU), {a.threads} threads"] = best(a.rounds, lambda: loader(
        FactorDataset(a.table, a.batch, threads=a.threads), 0))
    base = figures["pillow, one process"]
    base_rate = base[1] / base[0]
    print(f"{'what':52s} {'images':>8s} {'seconds':>8s} {'images/s':>9s} {'vs Pillow':>9s}")
    for name, (seconds, n) in figures.items():
        rate = n / seconds
        print(f"{name:52s} {n:8d} {seconds:8.2f} {rate:9.0f} {rate / base_rate:8.2f}x")


if __name__ == "__main__":
    main()
