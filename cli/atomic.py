"""Write an output file atomically: all of it, or nothing at all.

The bytes go to a temporary file in the target's directory (``.NAME.XXXX.part``), which is
flushed, fsynced and then renamed over the target (``os.replace``, atomic on POSIX and Windows).
If anything interrupts the writing (an exception, Ctrl-C, or SIGTERM/SIGHUP turned into an
exception by the CLI), the temporary file is removed and the target is left as it was. Only a
SIGKILL, a crash of the process or a power cut can leave the temporary file behind; the target
is never half written.

A target that exists and is not a regular file (``/dev/null``, a FIFO, a terminal) is written
directly: it cannot be replaced, and must not be.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def check_target(target: Path) -> str | None:
    """Why ``target`` cannot be written (a message), or ``None`` when it looks writable."""
    if target.is_dir():
        return f"{target}: is a directory"
    parent = target.parent
    if not parent.is_dir():
        return f"{target}: no such directory: {parent}"
    return None


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[IO[bytes]]:
    """A binary file to write; on a clean exit it replaces ``target``, else it vanishes."""
    try:
        existing = target.stat()
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(target, "wb") as special:
            yield special
        return
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, stat.S_IMODE(existing.st_mode) if existing else _default_mode())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_directory(target.parent)


def _default_mode() -> int:
    """0o666 less the umask: what ``open(path, "w")`` would have given a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
