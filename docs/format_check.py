#!/usr/bin/env python3
"""Rebuilds every image of an mmps factor table with pyarrow and numpy only, following
docs/FORMAT.md, and checks it against what the table says about itself.

    python3 docs/format_check.py OUT [--limit N]

For each row: the stored `parameters` must equal the cores' sizes, `ratio` must equal
parameters / (H*W*C), and, where the source image can be read (Pillow decodes it; 8-bit values
divided by 255, as mmps does), the PSNR of the rebuilt pixels against it must match `psnr_db`.
Needs: pyarrow, numpy, and Pillow for the PSNR check (the mmps tests do not need Python).
"""
import argparse
import json
import math
import sys
import urllib.parse

import numpy as np
import pyarrow.parquet as pq


def values(blob, dtype):
    """One factor's values as float64, for the three stored dtypes."""
    if dtype == "float32":
        return np.frombuffer(blob, "<f4").astype(np.float64)
    if dtype == "float16":
        return np.frombuffer(blob, "<f2").astype(np.float64)
    if dtype == "int8":
        s = int.from_bytes(blob[:4], "little")
        scales = np.frombuffer(blob[4:4 + 4 * s], "<f4").astype(np.float64)
        q = np.frombuffer(blob[4 + 4 * s:], "i1").astype(np.float64)
        return (q.reshape(s, -1) * scales[:, None]).reshape(-1)
    raise ValueError(f"unknown dtype {dtype}")


def cores(stage, dims, dtype):
    r = stage["ranks"]
    return [values(blob, dtype).reshape(r[k], dims[k], r[k + 1]) for k, blob in enumerate(stage["cores"])]


def contract(cs):
    t = cs[0].reshape(-1, cs[0].shape[2])
    for c in cs[1:]:
        t = t @ c.reshape(c.shape[0], -1)
        t = t.reshape(-1, c.shape[2])
    return t.reshape(-1)


def untensorize(tensor, row):
    h, w, c = row["height"], row["width"], row["channels"]
    kind, body = row["layout"].split(":")
    if kind == "row":
        body, _, pad = body.partition("@")
        ph, pw = map(int, pad.split("x")) if pad else (h, w)
        image = tensor[: ph * pw * c].reshape(ph, pw, c)
    else:
        f = [list(map(int, core.split("x"))) for core in body.split(",")]
        f = [x + [1] if len(x) == 2 else x for x in f]
        n = len(f)
        t = tensor.reshape([v for triple in f for v in triple])
        order = [3 * k for k in range(n)] + [3 * k + 1 for k in range(n)] + [3 * k + 2 for k in range(n)]
        hs, ws = np.prod([x[0] for x in f]), np.prod([x[1] for x in f])
        image = t.transpose(order).reshape(hs, ws, c)
    return image[:h, :w, :]


def rebuild(row):
    """The row's image, H x W x C float64, for every codec."""
    h, w, c, dtype = row["height"], row["width"], row["channels"], row["dtype"]
    stages = row["stages"]
    if row["codec"] in ("mmps", "mps"):
        tensor = sum(contract(cores(s, row["dims"], dtype)) for s in stages)
        return untensorize(tensor, row)
    if row["codec"] == "svd":
        channels = []
        for s in stages:
            r = s["ranks"][1]
            u, v = (values(b, dtype) for b in s["cores"])
            channels.append(u.reshape(h, r) @ v.reshape(r, w))
        return np.stack(channels, axis=2)
    f = [values(b, dtype) for b in stages[0]["cores"]]
    r = stages[0]["ranks"]
    if row["codec"] == "tucker":
        g = f[0].reshape(r[0], r[1], r[2])
        return np.einsum("abc,ia,jb,kc->ijk", g, f[1].reshape(h, r[0]), f[2].reshape(w, r[1]), f[3].reshape(c, r[2]))
    if row["codec"] == "cp":
        return np.einsum("ir,jr,kr->ijk", f[0].reshape(h, r[0]), f[1].reshape(w, r[0]), f[2].reshape(c, r[0]))
    raise ValueError(f"unknown codec {row['codec']}")


def source_pixels(uri, row, config):
    """The source image as mmps saw it, or None (IDX sources, resized inputs, missing Pillow)."""
    if "#" in uri or config.get("ingest.size"):
        return None
    try:
        from PIL import Image
    except ImportError:
        return None
    path = urllib.parse.unquote(urllib.parse.urlparse(uri).path)
    with Image.open(path) as im:
        im = im.convert("L" if row["channels"] == 1 else "RGB")
        a = np.asarray(im, dtype=np.float64) / 255.0
    return a.reshape(row["height"], row["width"], row["channels"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    config = json.load(open(f"{args.output}/manifest.json"))["config"]
    table = pq.read_table(f"{args.output}/factors")
    rows = table.to_pylist()
    if args.limit:
        rows = rows[: args.limit]
    checked = psnr_checked = 0
    worst = 0.0
    for row in rows:
        stored = sum(len(values(b, row["dtype"])) for s in row["stages"] for b in s["cores"])
        assert stored == row["parameters"], (row["id"], stored, row["parameters"])
        count = row["height"] * row["width"] * row["channels"]
        assert abs(row["ratio"] - stored / count) < 1e-12, row["id"]
        pixels = rebuild(row).astype(np.float32).astype(np.float64)
        original = source_pixels(row["source"], row, config)
        if original is not None:
            mse = float(np.mean((original - pixels) ** 2))
            psnr = math.inf if mse == 0 else -10 * math.log10(mse)
            worst = max(worst, abs(psnr - row["psnr_db"]))
            psnr_checked += 1
        checked += 1
    print(f"{checked} rows rebuilt; parameters and ratio consistent; PSNR re-measured on {psnr_checked}, "
          f"largest difference from psnr_db {worst:.2e} dB")
    return 0 if worst < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
