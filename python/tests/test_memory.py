"""mmps.memory.keep_freed_memory: large freed blocks are reused instead of mapped afresh.

The blocks are torch tensors, as in training (numpy asks for transparent huge pages on large arrays, which
fault in 2 MB at a time and hide the difference from a count of faults).
"""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

import mmps.memory

#: Counted rounds; each allocates and fills 48 MB (above glibc's largest mmap threshold of 32 MB) and frees it.
_ROUNDS = 5
#: Rounds before the counted ones: glibc's heap settles into reusing the freed block after a few.
_WARM_UP = 10
_PROGRAM = """
import resource, sys
import torch
import mmps.memory
applied = mmps.memory.keep_freed_memory() if sys.argv[1] == "keep" else None
def round():
    block = torch.ones(12 * 2**20)
    del block
for _ in range({warm_up}):
    round()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range({rounds}):
    round()
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
""".format(rounds=_ROUNDS, warm_up=_WARM_UP)
#: Pages of one round's block.
_PAGES_PER_ROUND = 48 * 2**20 // 4096


def _faults(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", _PROGRAM, mode], capture_output=True, text=True, check=True).stdout
    applied, faults = out.split()
    return applied, int(faults)


torch = pytest.importorskip("torch")
glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                           reason="mallopt's settings are glibc's")


@glibc
def test_freed_blocks_are_reused_instead_of_faulted_in_again():
    _, default = _faults("default")
    applied, kept = _faults("keep")
    assert applied == "True"
    # glibc's defaults map every round's block afresh: each round faults in all its pages again.
    assert default >= (_ROUNDS - 1) * _PAGES_PER_ROUND, default
    # Kept, the later rounds reuse the heap the first ones grew.
    assert kept <= _PAGES_PER_ROUND // 4, kept


@pytest.mark.skipif(sys.platform.startswith("linux"), reason="elsewhere than Linux the call changes nothing")
def test_other_platforms_are_left_alone():
    assert mmps.memory.keep_freed_memory() is False
