"""bot.cli.memory: the bot process limits glibc to two heaps, unless its operator chose."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from bot.cli import memory

GLIBC = platform.libc_ver()[0] == "glibc"

CHILD = """
import ctypes, threading
from bot.cli import memory
print(memory.fewer_heaps())
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
def allocate():
    blocks = [libc.malloc(512) for _ in range(2000)]
    barrier.wait()  # all eight at once: each would get a heap of its own
    for block in blocks:
        libc.free(block)
barrier = threading.Barrier(8)
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
libc.malloc_stats()  # one "Arena N:" block per heap, on stderr
"""


def heaps_used(extra_env: dict[str, str]) -> tuple[str, int]:
    mine = ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")
    env = {k: v for k, v in os.environ.items() if k not in mine} | extra_env
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip(), done.stderr.count("Arena ")


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator only")
def test_eight_busy_threads_share_two_heaps() -> None:
    assert heaps_used({}) == ("True", memory.HEAPS)


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator only")
def test_the_operators_setting_wins() -> None:
    told, heaps = heaps_used({"MALLOC_ARENA_MAX": "3"})
    assert told == "False" and heaps == 3
