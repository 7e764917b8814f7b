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
from escalade.batch import Line, Options, SourceFile, evaluate_lines, read_lines

from .atomic import atomic_output, check_target
from .inputs import open_input

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2
BATCH_SUFFIXES = (".jsonl", ".ndjson")


class Interrupted(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C, so the temporary output file is removed."""

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


class _Signals:
    """SIGINT, SIGTERM and SIGHUP, handled at safe points.

    A signal that arrives while a line is being evaluated is held until that line is done: an
    exception raised from a handler in the middle of pydantic's or durable_rules' work can be
    caught there and turned into another error (pydantic wraps it in a serialization or
    validation error), so the line would be miscounted and the run would go on. While the process
    waits for input, a signal interrupts at once, so Ctrl-C works on an idle standard input.
    """

    NAMES = ("SIGINT", "SIGTERM", "SIGHUP")

    def __init__(self) -> None:
        self.signum: int | None = None
        self.waiting = False

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        if self.waiting:
            self.check()

    def check(self) -> None:
        """Raise for a signal that has arrived (KeyboardInterrupt for SIGINT)."""
        if self.signum is None:
            return
        for name in self.NAMES:  # once is enough: let the cleanup run undisturbed
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
        if self.signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Interrupted(self.signum)


class _WatchedInput:
    """The input stream, interruptible while (and only while) it waits in ``readline``."""

    def __init__(self, stream: IO[bytes], signals: _Signals) -> None:
        self._stream, self._signals = stream, signals

    def readline(self, size: int = -1) -> bytes:
        self._signals.check()
        self._signals.waiting = True
        try:
            return self._stream.readline(size)
        finally:
            self._signals.waiting = False


@contextlib.contextmanager
def _signals_deferred() -> Iterator[_Signals]:
    """Within the block, SIGINT, SIGTERM and SIGHUP are handled by a ``_Signals``."""
    signals = _Signals()
    wanted = [name for name in _Signals.NAMES if hasattr(signal, name)]
    previous = {name: signal.signal(getattr(signal, name), signals.handle) for name in wanted}
    try:
        yield signals
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
    from escalade import load_pack
    from escalade.api import require_language

    pack = load_pack(pack_dir)  # InvalidPack: exit 2 through the caller's guard
    require_language(pack, options.lang)  # UnsupportedLanguage: exit 2 likewise
    counts: Counter[str] = Counter()
    where = "standard output" if out in (None, "-") else out
    try:
        with _signals_deferred() as signals, \
                open_input(source, "a file of cases") as (stream, size), \
                _output(out) as sink, _progress(size) as progress:
            lines = read_lines(_WatchedInput(stream, signals))  # type: ignore[arg-type]
            file = SourceFile.of(stream, source) if source != "-" else None
            for record in evaluate_lines(lines, pack, options, jobs, progress, file):
                sink.write(record.json + b"\n")
                counts[record.status] += 1
                signals.check()
            signals.check()  # before the output is committed
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

