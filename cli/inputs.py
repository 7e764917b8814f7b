"""Opening the command's input (a path or ``-``), with one clear message per failure."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NoReturn

import click

EXIT_INVALID = 2


def fail_input(message: str) -> NoReturn:
    """Say what is wrong with the input on stderr and exit 2."""
    click.echo(f"escalade: {message}", err=True)
    sys.exit(EXIT_INVALID)


@contextlib.contextmanager
def open_input(source: str, noun: str) -> Iterator[tuple[IO[bytes], int | None]]:
    """``source`` as a binary stream with its size when it is a regular file (``-``: stdin).

    A missing file, a directory, an unreadable path or a NUL in the path exits 2 with a message
    naming ``source``; ``noun`` says what a file should have been ("a case file").
    """
    if source == "-":
        yield sys.stdin.buffer, None
        return
    path = Path(source)
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        fail_input(f"{source}: no such file")
    except IsADirectoryError:
        fail_input(f"{source}: is a directory, not {noun}")
    except OSError as exc:
        fail_input(f"{source}: cannot read: {exc.strerror}")
    except ValueError as exc:  # e.g. a NUL byte in the path
        fail_input(f"{source!r}: cannot read: {exc}")
    with stream:
        try:
            size: int | None = path.stat().st_size if path.is_file() else None
        except OSError:
            size = None
        yield stream, size
