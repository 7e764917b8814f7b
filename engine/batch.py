"""Batch evaluation of JSON Lines: one record per input line, in order, nothing lost.

Every input line gives exactly one record (compact JSON, no newline inside): the decision of
contract v1, or an error record of a stable shape::

    {"line": 7, "error": "invalid_case", "case_id": "c-7" | null,
     "problems": [{"path": "events[0].channel", "message": "..."}]}

``error`` is ``invalid_case`` for anything wrong with the line itself (not UTF-8, blank, longer
than the limit, not JSON, not an object, fails validation or the consistency checks) and
``evaluation_failed`` when the engine itself failed on a valid case (a bug, reported, never
hidden). ``case_id`` is the line's ``case_id`` when it is a string of 1-128 characters, else null.
Error records never echo the line's content (so never a phone number or a note).

Input is read as bytes, line by line, with a per-line size limit, so a bad byte or a huge line
spoils only its own record. With ``jobs > 1`` lines are evaluated in chunks by worker processes,
each with its own Engine (durable_rules' C matcher holds the GIL, so threads would not help); the
records come back in input order, byte-identical to ``jobs=1``.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import IO, Any, Literal

from .api import Engine
from .case import json_kind
from .errors import CaseProblem, EscaladeError, InvalidCase
from .malloc import tune_malloc
from .pack.model import Pack

log = logging.getLogger("escalade.batch")

MAX_LINE_BYTES = 4 * 1024 * 1024
"""Longest line evaluated; a longer one is rejected (and skipped without being held in memory)."""

CHUNK_LINES = 256
CHUNK_BYTES = 1024 * 1024
_SKIP_BLOCK = 64 * 1024
_BOM = b"\xef\xbb\xbf"

Status = Literal["ok", "rejected", "failed"]


@dataclass(frozen=True)
class Options:
    """How every line is evaluated."""

    lang: str = "zh-CN"
    explain: bool = False
    trace_personal: bool = False


@dataclass(frozen=True)
class Line:
    """One input line: its number (from 1), its bytes without the line ending, or ``None`` when
    it was longer than the limit (``size`` is then its length), and the bytes it took in the
    input."""

    number: int
    data: bytes | None
    size: int
    consumed: int


@dataclass(frozen=True)
class Record:
    """The output for one line: its status and its JSON text (one line, no newline)."""

    line: int
    status: Status
    json: str


def read_lines(stream: IO[bytes], max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """The lines of a binary stream. A final line without a newline counts; an empty stream has
    no lines. ``\\n`` ends a line; a ``\\r`` before it is dropped; a UTF-8 BOM on line 1 too."""
    number = 0
    while True:
        chunk = stream.readline(max_line_bytes + 1)
        if not chunk:
            return
        number += 1
        consumed = len(chunk)
        if len(chunk) > max_line_bytes and not chunk.endswith(b"\n"):
            size = len(chunk)
            while not chunk.endswith(b"\n"):
                chunk = stream.readline(_SKIP_BLOCK)
                if not chunk:
                    break
                size += len(chunk)
                consumed += len(chunk)
            yield Line(number, None, size - chunk.endswith(b"\n"), consumed)
            continue
        data = chunk[:-1] if chunk.endswith(b"\n") else chunk
        if data.endswith(b"\r"):
            data = data[:-1]
        if number == 1 and data.startswith(_BOM):
            data = data[len(_BOM):]
        yield Line(number, data, len(data), consumed)


def error_record(line: int, error: str, problems: list[CaseProblem],
                 case_id: str | None = None) -> str:
    """An error record's JSON (compact, stable key order)."""
    return json.dumps({"line": line, "error": error, "case_id": case_id,
                       "problems": [{"path": p.path, "message": p.message} for p in problems]},
                      ensure_ascii=False, separators=(",", ":"))


def evaluate_line(engine: Engine, line: Line, options: Options) -> Record:
    """The record for one line; never raises for anything in the line."""

    def rejected(message: str, case_id: str | None = None) -> Record:
        log.debug("line %d rejected: %s", line.number, message)
        return Record(line.number, "rejected", error_record(
            line.number, "invalid_case", [CaseProblem("", message)], case_id))

    if line.data is None:
        return rejected(f"line is longer than the limit of {MAX_LINE_BYTES} bytes "
                        f"({line.size} bytes)")
    try:
        text = line.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return rejected(f"line is not UTF-8 text (byte {exc.start + 1})")
    if not text.strip():
        return rejected("blank line; expected a case (a JSON object)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return rejected(f"not valid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return rejected("JSON is nested too deeply")
    except ValueError as exc:  # Python's limit on integer digits
        reason = "a number has too many digits" if "digits" in str(exc) else "unreadable"
        return rejected(f"not valid JSON: {reason}")
    if not isinstance(data, dict):
        return rejected(f"a case must be a JSON object, not {json_kind(data)}")
    case_id = data.get("case_id")
    case_id = case_id if isinstance(case_id, str) and 0 < len(case_id) <= 128 else None
    try:
        decision = engine.evaluate(data, lang=options.lang, explain=options.explain,
                                   trace_personal=options.trace_personal)
    except InvalidCase as exc:
        log.debug("line %d rejected: %d problem(s) at %s", line.number, len(exc.problems),
                  ", ".join(p.path or "(case)" for p in exc.problems))
        return Record(line.number, "rejected",
                      error_record(line.number, "invalid_case", exc.problems, case_id))
    except Exception as exc:  # a bug: report it for this line and go on
        detail = f": {exc}" if isinstance(exc, EscaladeError) else ""
        log.info("line %d: evaluation failed: %s", line.number, type(exc).__name__)
        return Record(line.number, "failed", error_record(
            line.number, "evaluation_failed",
            [CaseProblem("", f"internal error: {type(exc).__name__}{detail}")], case_id))
    return Record(line.number, "ok", decision.model_dump_json())



def evaluate_lines(lines: Iterable[Line], pack: Pack, options: Options, jobs: int = 1,
                   on_line: Callable[[Line], None] | None = None) -> Iterator[Record]:
    """One record per line, in input order; ``jobs`` worker processes (1: in this process).

    ``on_line`` is called for each line as its record is yielded (progress).
    """
    if jobs <= 1:
        with Engine(pack) as engine:
            for line in lines:
                record = evaluate_line(engine, line, options)
                if on_line is not None:
                    on_line(line)
                yield record
        return
    yield from _evaluate_parallel(lines, pack, options, jobs, on_line)


def _chunks(lines: Iterable[Line]) -> Iterator[list[Line]]:
    chunk: list[Line] = []
    size = 0
    for line in lines:
        chunk.append(line)
        size += line.size if line.data is not None else 0
        if len(chunk) >= CHUNK_LINES or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def mp_context() -> Any:
    """forkserver where there is one (workers start clean, never a fork of a process holding a
    durable_rules host), else spawn.

    The fork server is started with SIGINT ignored, which it passes on to every worker it forks:
    a worker is then immune to Ctrl-C from birth, not only once its initializer has run (a
    Ctrl-C to the process group while a worker was starting killed it, and the run ended as
    "a worker process died" instead of "interrupted")."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    if threading.current_thread() is threading.main_thread():  # signal.signal needs it
        from multiprocessing import forkserver

        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)
    return multiprocessing.get_context("forkserver")


def _evaluate_parallel(lines: Iterable[Line], pack: Pack, options: Options, jobs: int,
                       on_line: Callable[[Line], None] | None) -> Iterator[Record]:
    level = logging.getLogger("escalade").getEffectiveLevel()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=mp_context(),
                               initializer=_worker_init, initargs=(pack, options, level))
    pending: deque[tuple[list[Line], Future[list[Record]]]] = deque()
    chunks = _chunks(lines)
    try:
        for chunk in chunks:
            pending.append((chunk, pool.submit(_worker_chunk, chunk)))
            if len(pending) < jobs * 4:
                continue
            yield from _drain(pending.popleft(), on_line)
        while pending:
            yield from _drain(pending.popleft(), on_line)
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _drain(item: tuple[list[Line], Future[list[Record]]],
           on_line: Callable[[Line], None] | None) -> Iterator[Record]:
    chunk, future = item
    for line, record in zip(chunk, future.result(), strict=True):
        if on_line is not None:
            on_line(line)
        yield record


_worker_engine: Engine | None = None
_worker_options = Options()


def _worker_init(pack: Pack, options: Options, level: int) -> None:
    """Runs once in each worker: its own Engine; Ctrl-C is the parent's to handle."""
    global _worker_engine, _worker_options
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if level < logging.WARNING:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("escalade[worker]: %(levelname)s %(message)s"))
        logger = logging.getLogger("escalade")
        logger.addHandler(handler)
        logger.setLevel(level)
    tune_malloc()  # a worker process is escalade's own
    _worker_engine = Engine(pack)
    _worker_options = options


def _worker_chunk(chunk: list[Line]) -> list[Record]:
    assert _worker_engine is not None
    return [evaluate_line(_worker_engine, line, _worker_options) for line in chunk]
