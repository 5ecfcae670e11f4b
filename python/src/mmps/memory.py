"""How the process's C allocator treats large freed blocks, which decides the CPU speed of training.

On Linux, glibc's ``malloc`` serves blocks above its mmap threshold (at most 32 MB) with fresh memory
mappings and returns them to the system when they are freed, and trims the heap's free top as well. A
training step allocates and frees its activation tensors every time, so with these defaults every step
page-faults them in again and the kernel zeroes each page: on a 2-core machine a small ConvNet trained
3 to 6 times slower than with the freed blocks kept (BENCHMARKS.md, "CPU training and the memory
allocator"). :func:`keep_freed_memory` changes the three settings for the rest of the process; setting
``MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456`` in the environment
before Python starts does the same (that is what ``bin/mmps`` does for its training commands).
"""

from __future__ import annotations

import ctypes
import sys

# mallopt's parameter numbers (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_MAX = -4
#: The largest value mallopt takes (an int): the heap is not trimmed below 2 GiB of free top.
_NEVER_TRIM = 2**31 - 1
#: The heap grows by at least this much at a time.
_TOP_PAD = 256 * 2**20


def keep_freed_memory() -> bool:
    """Makes glibc's malloc keep freed blocks for reuse instead of handing them back to the system.

    Allocations are then served from the heap, never from fresh mappings, and the heap is not trimmed, so a
    process's resident memory stays at its peak (a sixth to a third above glibc's defaults when training).
    Call it once, before training; data-loader workers started by ``fork`` inherit it.

    :returns: True if the settings were applied; False where the C library is not glibc (macOS, musl,
        Windows), which is left as it is.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 - present in glibc only
    except (OSError, AttributeError):
        return False
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    applied = [libc.mallopt(_M_MMAP_MAX, 0), libc.mallopt(_M_TRIM_THRESHOLD, _NEVER_TRIM),
               libc.mallopt(_M_TOP_PAD, _TOP_PAD)]
    if applied != [1, 1, 1]:
        raise RuntimeError(f"glibc's mallopt refused the settings (results {applied}, 1 is success); "
                           "report this with the output of 'ldd --version'")
    return True
