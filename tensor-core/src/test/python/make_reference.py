#!/usr/bin/env python3
"""Independent reference values for ReferenceValuesTest.

A small TT-SVD / MMPS in numpy (float64 SVD from LAPACK via numpy.linalg.svd), written from the
paper's Algorithms 1 and 2, the layout definitions in TensorLayout's class comment and the peeling
order in TtSvd's class comment (cheaper Gram matrix first), without looking at the Java
implementation's arithmetic. Run once by hand; the tests do not need Python:

    python3 tensor-core/src/test/python/make_reference.py > tensor-core/src/test/resources/reference/expected.properties

Inputs live next to the output: *.rgb files are raw 8-bit RGB pixels, row-major H x W x 3, of
CIFAR-10 test images as decoded by javax.imageio (so the test and this script see the same bytes).
Synthetic inputs are defined by an integer formula so both sides build them exactly.
"""
import math
import pathlib

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent.parent / "resources" / "reference"
NEGLIGIBLE = 1e-7  # singular values below this fraction of ||A||_F are never kept


def load_rgb(name, h=32, w=32):
    raw = np.frombuffer((HERE / name).read_bytes(), dtype=np.uint8)
    return (raw.astype(np.float32) / np.float32(255)).reshape(h, w, 3)


def synthetic(h, w, c):
    y, x, ch = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    return (((y * 31 + x * 17 + ch * 7) % 64) / 64.0).astype(np.float32)


def tensorize(image, spec):
    """Image (H, W, C) -> flat tensor and dims, following the spec grammar."""
    h, w, c = image.shape
    kind, body = spec.split(":")
    if kind == "row":
        if "@" in body:
            body, pad = body.split("@")
            ph, pw = (int(v) for v in pad.split("x"))
        else:
            ph, pw = h, w
        dims = [int(v) for v in body.split(",")]
        padded = np.zeros((ph, pw, c), dtype=np.float64)
        padded[:h, :w, :] = image
        flat = np.zeros(int(np.prod(dims)))
        flat[: padded.size] = padded.reshape(-1)
        return flat, dims
    factors = []
    for core in body.split(","):
        f = [int(v) for v in core.split("x")]
        factors.append(f if len(f) == 3 else f + [1])
    n = len(factors)
    hs = [f[0] for f in factors]
    ws = [f[1] for f in factors]
    cs = [f[2] for f in factors]
    padded = np.zeros((int(np.prod(hs)), int(np.prod(ws)), c), dtype=np.float64)
    padded[:h, :w, :] = image
    # Split each axis into its digits (coarse first), then interleave them core by core.
    split = padded.reshape(hs + ws + cs)
    order = []
    for k in range(n):
        order += [k, n + k, 2 * n + k]
    dims = [hs[k] * ws[k] * cs[k] for k in range(n)]
    return split.transpose(order).reshape(-1), dims


def untensorize(flat, spec, shape):
    """Inverse of tensorize, dropping the padding."""
    h, w, c = shape
    probe = np.arange(h * w * c, dtype=np.float64).reshape(h, w, c) + 1.0
    positions, _ = tensorize(probe, spec)
    image = np.zeros(h * w * c)
    mask = positions > 0
    image[(positions[mask] - 1).astype(int)] = flat[mask]
    return image.reshape(h, w, c)


def fix_signs(u):
    for j in range(u.shape[1]):
        i = int(np.argmax(np.abs(u[:, j])))
        if u[i, j] < 0:
            u[:, j] = -u[:, j]
    return u


def truncate(m, cap, delta2, norm2):
    """Left factor U (orthonormal, sign-fixed) and W = U^T m, with the rank rule."""
    u, s, _ = np.linalg.svd(m, full_matrices=False)
    s2 = s * s
    significant = max(1, int(np.sum(s2 > NEGLIGIBLE * NEGLIGIBLE * norm2)))
    r = min(cap, significant)
    if delta2 > 0:
        tail, rr = 0.0, len(s2)
        while rr > 1 and tail + s2[rr - 1] <= delta2:
            tail += s2[rr - 1]
            rr -= 1
        r = min(r, rr)
    r = max(1, min(r, len(s2)))
    if r == m.shape[0] <= m.shape[1]:
        # Every direction of the smaller side kept: the step is exact, and the identity is the basis.
        return np.eye(r), m.copy(), 0.0
    u = fix_signs(u[:, :r].copy())
    return u, u.T @ m, math.sqrt(float(np.sum(s2[r:])))


def gram_cost(rows, cols):
    small = min(rows, cols)
    return rows * cols * small + small ** 3


def tt_svd(tensor, dims, caps, epsilon):
    """TT-SVD peeling from whichever end has the cheaper Gram matrix (left on a tie)."""
    n = len(dims)
    norm2 = float(np.dot(tensor, tensor))
    delta2 = epsilon * epsilon / (n - 1) * norm2 if epsilon > 0 else 0.0
    ranks = [1] * (n + 1)
    cores = [None] * n
    discarded = [0.0] * (n - 1)
    carry = tensor.copy()
    left, right = 0, n - 1
    while left < right:
        size = carry.size
        left_rows = ranks[left] * dims[left]
        right_cols = dims[right] * ranks[right + 1]
        if gram_cost(left_rows, size // left_rows) <= gram_cost(size // right_cols, right_cols):
            cap = caps[left] if caps else 10**9
            u, w, lost = truncate(carry.reshape(left_rows, -1), cap, delta2, norm2)
            cores[left] = u.astype(np.float32)
            ranks[left + 1] = u.shape[1]
            discarded[left] = lost
            carry = w.reshape(-1)
            left += 1
        else:
            cap = caps[right - 1] if caps else 10**9
            m = carry.reshape(-1, right_cols)
            v, w, lost = truncate(m.T, cap, delta2, norm2)
            r = v.shape[1]
            # core[a, i, b] = v[(i, b), a]
            cores[right] = v.T.reshape(r, dims[right], ranks[right + 1]).astype(np.float32)
            ranks[right] = r
            discarded[right - 1] = lost
            carry = w.T.reshape(-1)
            right -= 1
    cores[left] = carry.astype(np.float32)
    return [c.reshape(-1) for c in cores], ranks, discarded


def contract(cores, ranks, dims):
    left = cores[0].astype(np.float64).reshape(dims[0], ranks[1])
    for k in range(1, len(dims)):
        core = cores[k].astype(np.float64).reshape(ranks[k], dims[k] * ranks[k + 1])
        left = (left @ core).reshape(-1, ranks[k + 1])
    return left.reshape(-1)


def mmps(image, spec, stage_caps, stage_eps):
    tensor, dims = tensorize(image, spec)
    approx = np.zeros_like(tensor)
    stages = []
    for caps, eps in zip(stage_caps, stage_eps):
        cores, ranks, discarded = tt_svd(tensor - approx, dims, caps, eps)
        approx = approx + contract(cores, ranks, dims)
        stages.append((cores, ranks, discarded))
    rebuilt = untensorize(approx, spec, image.shape).astype(np.float32).astype(np.float64)
    diff = image.astype(np.float64) - rebuilt
    err2 = float(np.sum(diff * diff))
    rel = math.sqrt(err2 / float(np.sum(image.astype(np.float64) ** 2)))
    psnr = -10 * math.log10(err2 / image.size)
    params = sum(sum(c.size for c in cores) for cores, _, _ in stages)
    return stages, rel, psnr, params


CASES = [
    # name, input, spec, caps per stage (None = uncapped), epsilon per stage (0 = none)
    ("airplane_block_k2", "cifar-airplane-0000.rgb", "block:4x4,2x2,2x2,2x2,1x1x3",
     [[6, 6, 6, 3], [7, 5, 6, 3]], [0, 0]),
    ("airplane_row_k1", "cifar-airplane-0000.rgb", "row:8,4,8,4,3", [[8, 8, 8, 3]], [0]),
    ("frog_row_k2", "cifar-frog-0007.rgb", "row:4,8,4,8,3", [[5, 5, 5, 3], [5, 5, 5, 3]], [0, 0]),
    ("frog_epsilon_k2", "cifar-frog-0007.rgb", "block:4x4,2x2,2x2,2x2,1x1x3", [None, None],
     [math.sqrt(0.1), math.sqrt(0.1)]),
    ("synthetic_padded_k2", "synthetic:17x23x3", "row:5,4,6,4,3@20x24", [[4, 4, 4, 3], [3, 3, 3, 3]], [0, 0]),
    ("synthetic_block_padded_k1", "synthetic:17x23x3", "block:3x4,2x2,3x3x3", [[5, 4]], [0]),
]


def main():
    print("# Generated by tensor-core/src/test/python/make_reference.py (numpy %s)." % np.__version__)
    print("# Per case: the input, layout and caps used, then what the reference computed.")
    for name, source, spec, caps, eps in CASES:
        if source.startswith("synthetic:"):
            h, w, c = (int(v) for v in source.split(":")[1].split("x"))
            image = synthetic(h, w, c)
        else:
            image = load_rgb(source)
        stages, rel, psnr, params = mmps(image, spec, caps, eps)
        print(f"{name}.input={source}")
        print(f"{name}.layout={spec}")
        print(f"{name}.stages={len(stages)}")
        for s, (c, e) in enumerate(zip(caps, eps)):
            print(f"{name}.stage{s}.caps={'' if c is None else ','.join(map(str, c))}")
            print(f"{name}.stage{s}.epsilon={e!r}")
        for s, (cores, ranks, discarded) in enumerate(stages):
            print(f"{name}.stage{s}.ranks={','.join(map(str, ranks))}")
            print(f"{name}.stage{s}.discarded={','.join(repr(float(d)) for d in discarded)}")
            print(f"{name}.stage{s}.core0={','.join(repr(float(v)) for v in cores[0].reshape(-1))}")
        print(f"{name}.parameters={params}")
        print(f"{name}.relativeError={rel!r}")
        print(f"{name}.psnrDb={psnr!r}")


if __name__ == "__main__":
    main()
