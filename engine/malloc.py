"""An optional, process-wide glibc malloc setting that makes durable_rules sessions cheap."""

from __future__ import annotations

import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters
_MMAP_THRESHOLD = 1 << 20
_TRIM_THRESHOLD = 8 << 20
_malloc_tuned: bool | None = None


def tune_malloc() -> bool:
    """Ask glibc to keep the blocks of durable_rules' sessions in the heap, ready for reuse.

    durable_rules allocates a few hundred KB of state for every session and frees it when the
    session is deleted, once per evaluation. Above glibc's mmap threshold (128 KiB until its
    dynamic adjustment happens to raise it) each block is a new mapping, and a freed block at
    the top of the heap is given back to the system (trim threshold, 128 KiB once the mmap
    threshold is set): either way about 45-70 page faults, some 100-150 us, per evaluation,
    more than the matching itself, and depending on heap layout from one process to the next.
    So: mmap threshold 1 MiB, trim threshold 8 MiB (at most that much free heap is kept).
    This is process-wide, so a library does not do it behind its host's back: the ``escalade``
    command and its batch workers call it; an embedding service may call it once at start-up.
    Skipped when not on glibc, when the environment already tunes malloc
    (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` or ``GLIBC_TUNABLES``), or when
    ``ESCALADE_MALLOC_TUNING=0``. Decisions do not depend on it. Returns whether it applied the
    setting (in this call or an earlier one).
    """
    global _malloc_tuned
    if _malloc_tuned is not None:
        return _malloc_tuned
    _malloc_tuned = False
    env = os.environ
    if (not sys.platform.startswith("linux") or env.get("ESCALADE_MALLOC_TUNING") == "0"
            or "MALLOC_MMAP_THRESHOLD_" in env or "MALLOC_TRIM_THRESHOLD_" in env
            or "glibc.malloc" in env.get("GLIBC_TUNABLES", "")):
        return False
    import ctypes  # here, not at the top: it costs import time, and only Linux needs it

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    _malloc_tuned = True
    return True
