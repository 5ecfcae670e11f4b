"""mmps.torch.FactorDataset: sharding over ranks and data-loader workers, epochs, equal batch counts."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import mmps
from mmps.torch import FactorDataset, ImageFolderDataset
from conftest import GOLDEN, PIXEL_TOLERANCE, REPO


def dataset(table: Path, rank: int, world: int, epoch_: int, **options) -> FactorDataset:
    ds = FactorDataset(table, rank=rank, world_size=world, with_ids=True, **options)
    ds.set_epoch(epoch_)
    return ds


def epoch(table: Path, world: int, workers: int, epoch_: int, seed: int = 0, drop_last: bool = False,
          batch_size: int = 8):
    """Per rank, the ids of each batch as a DataLoader with ``workers`` processes yields them (taking its
    workers' batches in turn), with the workers simulated in this process."""
    out = []
    for rank in range(world):
        ds = dataset(table, rank, world, epoch_, seed=seed, drop_last=drop_last, batch_size=batch_size)
        per_worker = [[ids for images, labels, ids in ds.iterate(w, workers)] for w in range(workers)]
        batches = []
        for turn in range(max(len(b) for b in per_worker)):
            batches += [b[turn] for b in per_worker if turn < len(b)]
        assert len(batches) == len(ds)
        out.append(batches)
    return out


@pytest.mark.parametrize("world", [1, 2, 3])
@pytest.mark.parametrize("workers", [1, 2, 3, 4])
def test_every_row_once_per_epoch_across_ranks_and_workers(big_table: Path, world: int, workers: int):
    all_ids = set(mmps.open(big_table).ids())
    first = epoch(big_table, world, workers, 0)
    served = Counter(i for rank in first for batch in rank for i in batch)
    assert set(served) == all_ids and set(served.values()) == {1}
    counts = [len(rank) for rank in first]
    assert max(counts) - min(counts) <= 1
    second = epoch(big_table, world, workers, 1)
    assert Counter(i for rank in second for batch in rank for i in batch) == served
    assert second != first  # a new epoch, a new order
    assert epoch(big_table, world, workers, 0) == first  # the same seed and epoch, the same order


@pytest.mark.parametrize("world, workers", [(2, 2), (1, 3)])
def test_data_loader_workers_serve_what_the_plan_says(big_table: Path, world: int, workers: int):
    """Real worker processes: the DataLoader's batches are the simulated ones, with images and labels."""
    expected = epoch(big_table, world, workers, 1)
    for rank in range(world):
        loader = DataLoader(dataset(big_table, rank, world, 1, batch_size=8), batch_size=None, num_workers=workers)
        batches = []
        for images, labels, ids in loader:
            assert images.shape == (len(ids), 3, 32, 32) and labels.shape == (len(ids),)
            batches.append(ids)
        assert batches == expected[rank]


@pytest.mark.parametrize("world", [1, 2, 3])
@pytest.mark.parametrize("workers", [1, 3])
def test_drop_last_gives_every_rank_the_same_full_batches(big_table: Path, world: int, workers: int):
    ranks = epoch(big_table, world, workers, 0, drop_last=True, batch_size=6)
    assert len({len(rank) for rank in ranks}) == 1
    assert all(len(batch) == 6 for rank in ranks for batch in rank)
    served = [i for rank in ranks for batch in rank for i in batch]
    assert len(served) == len(set(served)) and 70 - len(served) < world * 6


def test_seeds_give_different_orders(big_table: Path):
    assert epoch(big_table, 1, 1, 0, seed=0) != epoch(big_table, 1, 1, 0, seed=1)


def test_without_shuffle_the_table_order(big_table: Path):
    ds = FactorDataset(big_table, batch_size=16, shuffle=False, with_ids=True)
    ids = [i for _, _, batch in ds for i in batch]
    assert ids == list(mmps.open(big_table).ids())


def test_torch_images_equal_the_numpy_reader_for_every_codec():
    for path in [GOLDEN / "v1"] + sorted((GOLDEN / "v2").iterdir()):
        expected = {r.id: r.image for r in mmps.open(path).rows()}
        for images, labels, ids in FactorDataset(path, batch_size=4, with_ids=True):
            assert images.dtype == torch.float32
            for image, id_ in zip(images.numpy(), ids):
                np.testing.assert_allclose(image.transpose(1, 2, 0), expected[id_], rtol=0, atol=PIXEL_TOLERANCE)


@pytest.mark.parametrize("path", [GOLDEN / "v1"] + sorted((GOLDEN / "v2").iterdir()), ids=lambda p: p.name)
def test_padded_contraction_on_the_device_equals_the_unpadded(path: Path):
    """The accelerators' way (ranks zero-padded to the batch's largest, torch products), run on the CPU."""
    from mmps.torch import rebuild_batch

    table = mmps.open(path)
    t = table.read_unit(table.units()[0], ["id", "label", "class_name", "height", "width", "channels", "layout",
                                             "codec", "dtype", "stages"])
    padded = rebuild_batch(t, torch.device("cpu"), str(path), padded=True)
    plain = rebuild_batch(t, torch.device("cpu"), str(path), padded=False)
    assert padded.shape == plain.shape == (t.num_rows, 3, 32, 32)
    np.testing.assert_allclose(padded.numpy(), plain.numpy(), rtol=0, atol=PIXEL_TOLERANCE)


def test_filters_reach_the_dataset(big_table: Path):
    ds = FactorDataset(big_table, batch_size=5, where={"label": [0, 1]}, with_ids=True, world_size=2, rank=0)
    other = FactorDataset(big_table, batch_size=5, where={"label": [0, 1]}, with_ids=True, world_size=2, rank=1)
    labels = torch.cat([y for _, y, _ in ds] + [y for _, y, _ in other])
    assert sorted(labels.tolist()) == [0] * 7 + [1] * 7


def test_bad_arguments():
    with pytest.raises(ValueError, match="rank 2 is invalid for world size 2"):
        FactorDataset(GOLDEN / "v1", batch_size=4, rank=2, world_size=2)
    with pytest.raises(ValueError, match="batch_size 0 is invalid"):
        FactorDataset(GOLDEN / "v1", batch_size=0)
    with pytest.raises(ValueError, match="threads 0 is invalid"):
        FactorDataset(GOLDEN / "v1", batch_size=4, threads=0)


def served(ds, worker: int = 0, workers: int = 1):
    return [(ids, images.numpy(), labels.numpy()) for images, labels, ids in ds.iterate(worker, workers)]


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("workers", [1, 2])
def test_threads_serve_the_same_batches_in_the_same_order(big_table: Path, threads: int, workers: int):
    for epoch_ in (0, 1):
        for worker in range(workers):
            one = served(dataset(big_table, 0, 1, epoch_, batch_size=8), worker, workers)
            many = served(dataset(big_table, 0, 1, epoch_, batch_size=8, threads=threads), worker, workers)
            assert [ids for ids, _, _ in many] == [ids for ids, _, _ in one]
            for (_, a, la), (_, b, lb) in zip(one, many):
                np.testing.assert_array_equal(b, a)
                np.testing.assert_array_equal(lb, la)


def test_threads_with_a_data_loader_and_an_early_stop(big_table: Path):
    ds = FactorDataset(big_table, batch_size=4, threads=2, with_ids=True)
    ids = [i for _, _, batch in DataLoader(ds, batch_size=None, num_workers=0) for i in batch]
    assert sorted(ids) == sorted(mmps.open(big_table).ids())
    before = threading.active_count()
    iterator = iter(ds)
    next(iterator)
    iterator.close()  # a training loop that breaks out of the epoch
    assert threading.active_count() == before


def test_workers_started_by_pickling_get_no_buffers(big_table: Path):
    import pickle

    ds = FactorDataset(big_table, batch_size=8, threads=2)
    before = len(pickle.dumps(ds))
    for _ in ds:
        pass
    assert ds._idle_works, "iterating keeps buffers for the next epoch"
    copy = pickle.loads(pickle.dumps(ds))
    assert len(pickle.dumps(ds)) == before and copy._idle_works == []
    assert sum(len(y) for _, y in copy) == 70


def test_threads_leave_the_blas_thread_count_as_they_found_it(big_table: Path):
    from threadpoolctl import threadpool_info

    def blas_threads():
        return sorted((i["filepath"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas")

    before = blas_threads()
    for _ in FactorDataset(big_table, batch_size=2, threads=4):
        pass
    assert blas_threads() == before


def test_image_folders_in_threads_equal_one_thread():
    folders = REPO / "samples" / "cifar10"
    one = served(ImageFolderDataset(folders, batch_size=16, with_ids=True))
    many = served(ImageFolderDataset(folders, batch_size=16, with_ids=True, threads=2))
    assert [ids for ids, _, _ in many] == [ids for ids, _, _ in one]
    for (_, a, _), (_, b, _) in zip(one, many):
        np.testing.assert_array_equal(b, a)
