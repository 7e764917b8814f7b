"""``escalade evaluate --jsonl``: evaluate a JSON Lines file of cases, one record per line.

Exit status: 0 every line was evaluated; 2 some lines were rejected (each has an error record);
1 the engine failed on some line (an ``evaluation_failed`` record) or the run itself failed (then
no output file is left); 128+N when interrupted by signal N (SIGINT 130, SIGTERM 143, SIGHUP 129),
also with no output file. A summary line always goes to stderr; a progress bar too when stderr is
a terminal.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import FrameType
from typing import IO, NoReturn

import click
from escalade.batch import Line, Options, evaluate_lines, read_lines

from .atomic import atomic_output, check_target
from .inputs import open_input

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2
BATCH_SUFFIXES = (".jsonl", ".ndjson")


class Interrupted(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C (BaseException: no ``except Exception``
    on the way may swallow it), so the temporary output file is removed."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def is_batch_name(name: str) -> bool:
    """Whether a file name selects batch mode by itself (``*.jsonl``, ``*.ndjson``)."""
    return name.lower().endswith(BATCH_SUFFIXES)


def _say(message: str) -> None:
    click.echo(f"escalade: {message}", err=True)


def _exit(status: int, message: str) -> NoReturn:
    _say(message)
    sys.exit(status)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise ``Interrupted`` (SIGINT already raises
    KeyboardInterrupt)."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        for name in wanted:  # once is enough: let the cleanup run undisturbed
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        raise Interrupted(signum)

    wanted = [s for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s)]
    previous = {name: signal.signal(getattr(signal, name), handler) for name in wanted}
    try:
        yield
    finally:
        for name, old in previous.items():
            signal.signal(getattr(signal, name), old)


@contextlib.contextmanager
def _output(out: str | None) -> Iterator[IO[bytes]]:
    if out is None or out == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    else:
        with atomic_output(Path(out)) as sink:
            yield sink


@contextlib.contextmanager
def _progress(size: int | None) -> Iterator[Callable[[Line], None]]:
    """A per-line progress callback: a bar on a terminal (by bytes when the size is known, by
    lines otherwise), nothing elsewhere."""
    if not sys.stderr.isatty():
        yield lambda _line: None
        return
    if size:
        with click.progressbar(length=size, label="escalade", file=sys.stderr,
                               update_min_steps=max(1, size // 1000)) as bar:
            yield lambda line: bar.update(line.consumed)
    else:
        with click.progressbar(length=None, iterable=_forever(), label="escalade",
                               file=sys.stderr, show_pos=True) as bar:
            yield lambda _line: bar.update(1)


def _forever() -> Iterator[int]:
    n = 0
    while True:
        n += 1
        yield n


def check_out(out: str | None) -> None:
    """Reject an unusable ``--out`` before any work (exit 2)."""
    if out is not None and out != "-":
        problem = check_target(Path(out))
        if problem:
            raise click.BadParameter(problem, param_hint="'--out'")


def run_batch(source: str, out: str | None, pack_dir: Path | None, options: Options,
              jobs: int) -> NoReturn:
    """Evaluate every line of ``source`` into ``out`` (stdout when None); exit with the status."""
    from escalade import UnsupportedLanguage, load_pack

    pack = load_pack(pack_dir)  # InvalidPack: exit 2 through the caller's guard
    if options.lang not in pack.languages:
        raise UnsupportedLanguage(f"pack {pack.name!r} has no {options.lang!r} texts "
                                  f"(it has: {', '.join(pack.languages)})")
    counts: Counter[str] = Counter()
    where = "standard output" if out in (None, "-") else out
    try:
        with _signals_raise(), open_input(source, "a file of cases") as (stream, size), \
                _output(out) as sink, _progress(size) as progress:
            for record in evaluate_lines(read_lines(stream), pack, options, jobs, progress):
                sink.write(record.json.encode("utf-8") + b"\n")
                counts[record.status] += 1
    except (KeyboardInterrupt, Interrupted) as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        _exit(128 + signum, f"interrupted ({signal.Signals(signum).name}) after "
              f"{sum(counts.values())} lines; " + (
                  "no output file written" if where != "standard output" else
                  "standard output is incomplete"))
    except BrokenProcessPool as exc:
        _exit(EXIT_ERROR, f"a worker process died ({exc}); no output file written")
    except BrokenPipeError:
        _silence_stdout()
        _exit(EXIT_ERROR, f"output closed after {sum(counts.values())} lines")
    except OSError as exc:
        name = exc.filename or where
        _exit(EXIT_ERROR, f"{name}: {exc.strerror or exc}; no output file written")
    total = sum(counts.values())
    failed = f"{counts['failed']} failed, " if counts["failed"] else ""
    _say(f"{counts['ok']} ok, {counts['rejected']} rejected, {failed}{total} lines")
    sys.exit(EXIT_ERROR if counts["failed"] else EXIT_INVALID if counts["rejected"] else EXIT_OK)


def _silence_stdout() -> None:
    """After a broken pipe, keep the interpreter's final flush of stdout from failing too."""
    import os

    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())

