"""Training images per second of a small ConvNet on torch's CPU, with glibc's default handling of freed
blocks against mmps.memory.keep_freed_memory(), alternated in fresh processes so the two compare like with
like on a shared machine.

    python python/benchmarks/training_memory.py [--shape 28x28x1 --width 64] [--steps 30] [--rounds 2]

The network is the ConvNet of trajectory matching (three blocks of 3x3 convolution, instance normalisation,
ReLU and average pooling, then a linear layer), trained with SGD on random batches of 128 made afresh each
step, as a data loader hands them over. Prints images/s, user and system CPU seconds and page faults of the
timed steps.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

_STEPS = """
import json, resource, sys, time
import torch
from torch import nn
import mmps.memory
mode, h, w, c, width, steps = sys.argv[1], *map(int, sys.argv[2:7])
kept = mmps.memory.keep_freed_memory() if mode == "kept" else False
torch.manual_seed(0)
def block(i, o):
    return [nn.Conv2d(i, o, 3, padding=1), nn.GroupNorm(o, o), nn.ReLU(), nn.AvgPool2d(2)]
model = nn.Sequential(*block(c, width), *block(width, width), *block(width, width), nn.Flatten(),
                      nn.Linear(width * (h // 8) * (w // 8), 10))
optimiser = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
def step():
    x, y = torch.rand(128, c, h, w), torch.randint(0, 10, (128,))
    optimiser.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimiser.step()
for _ in range(3):
    step()
start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
for _ in range(steps):
    step()
seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"kept": kept, "images_per_s": steps * 128 / seconds, "user_s": after.ru_utime - before.ru_utime,
                  "system_s": after.ru_stime - before.ru_stime, "faults": after.ru_minflt - before.ru_minflt}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", default="28x28x1", help="HxWxC of the random images")
    parser.add_argument("--width", type=int, default=64, help="filters of every convolution")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per run")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two settings")
    args = parser.parse_args()
    h, w, c = (int(v) for v in args.shape.split("x"))
    print(f"ConvNet-3 of width {args.width} on {args.shape}, batches of 128, {args.steps} steps per run")
    print(f"{'allocator':<10} {'images/s':>9} {'user s':>7} {'system s':>9} {'faults':>9}")
    for _ in range(args.rounds):
        for mode in ("glibc", "kept"):
            out = subprocess.run([sys.executable, "-c", _STEPS, mode, str(h), str(w), str(c), str(args.width),
                                  str(args.steps)], capture_output=True, text=True, check=True).stdout
            r = json.loads(out)
            label = mode if mode == "glibc" or r["kept"] else "kept (not applied: not glibc)"
            print(f"{label:<10} {r['images_per_s']:>9.0f} {r['user_s']:>7.1f} {r['system_s']:>9.1f} {r['faults']:>9,}")


if __name__ == "__main__":
    main()
