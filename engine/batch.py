"""Batch evaluation of JSON Lines: one record per input line, in order, nothing lost.

Every input line gives exactly one record (compact JSON, no newline inside): the decision of
contract v1, or an error record of a stable shape::

    {"line": 7, "error": "invalid_case", "case_id": "c-7" | null,
     "problems": [{"path": "events[0].channel", "message": "..."}]}

``error`` is ``invalid_case`` for anything wrong with the line itself (not UTF-8, blank, longer
than the limit, not JSON, not an object, fails validation or the consistency checks) and
``evaluation_failed`` when the engine itself failed on a valid case (a bug, reported, never
hidden) or, with ``jobs > 1``, when the worker process evaluating the line died on it twice::

    {"line": 9, "error": "evaluation_failed", "case_id": "c-9", "problems": [{"path": "",
     "message": "the worker process evaluating this line died (signal SIGSEGV)"}]}

(``(exit code N)`` for an exit, nothing when the cause is unknown). ``case_id`` is the line's
``case_id`` when it is a string of 1-128 characters, else null. Error records never echo the
line's content (so never a phone number or a note).

Input is read as bytes, line by line, with a per-line size limit, so a bad byte or a huge line
spoils only its own record. With ``jobs > 1`` lines are evaluated in chunks by worker processes,
each with its own Engine (durable_rules' C matcher holds the GIL, so threads would not help); the
records come back in input order, byte-identical to ``jobs=1``.

A worker that dies (a segfault in durable_rules, the OOM killer, SIGKILL) breaks its pool; the
records that came back are kept, and the chunks whose records were lost are evaluated again in a
fresh pool of one worker. One worker takes its tasks in order, so when it dies, the first task
without a result is the one it died on: that chunk is split into one task per line, and a line
that kills a worker twice gets its ``evaluation_failed`` record (once could be a coincidence,
such as the OOM killer choosing it). Then the run goes on with ``jobs`` workers. When more than
``MAX_FRUITLESS_POOLS`` pools in a row break without giving a result, the run gives up with
``BrokenProcessPool``. ``jobs=1`` evaluates in this process, which a segfault ends.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import signal
import stat
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import IO, Any, Literal

from .api import Engine
from .case import json_kind
from .decision import Decision
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
    it was longer than the limit (``size`` is then its length), the bytes it took in the input,
    and where its bytes start in the input (-1: not known)."""

    number: int
    data: bytes | None
    size: int
    consumed: int
    offset: int = -1


@dataclass(frozen=True)
class SourceFile:
    """The regular file the lines are read from: with ``jobs > 1`` each worker reads its lines'
    bytes from it (by offset) instead of receiving them from the reading process, which halves
    what crosses between processes. ``identity`` (device, inode, modification time) is taken
    when the file is opened; a worker that finds the file changed evaluates none of its lines.
    """

    path: str
    identity: tuple[int, int, int]

    @classmethod
    def of(cls, stream: IO[bytes], path: str) -> SourceFile | None:
        """The ``SourceFile`` of an open ``stream`` read from ``path``; ``None`` unless it is a
        regular file."""
        try:
            info = os.fstat(stream.fileno())
        except (OSError, ValueError, AttributeError):
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        return cls(path, (info.st_dev, info.st_ino, info.st_mtime_ns))


@dataclass(frozen=True)
class Record:
    """The output for one line: its status and its JSON (UTF-8, one line, no newline).

    Bytes rather than text: a record crosses from a worker process to the output as it is, with
    no decoding and encoding on the way.
    """

    line: int
    status: Status
    json: bytes


def read_lines(stream: IO[bytes], max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """The lines of a binary stream. A final line without a newline counts; an empty stream has
    no lines. ``\\n`` ends a line; a ``\\r`` before it is dropped; a UTF-8 BOM on line 1 too."""
    number = 0
    position = 0  # of the next line in the stream
    while True:
        start = position
        chunk = stream.readline(max_line_bytes + 1)
        if not chunk:
            return
        number += 1
        consumed = len(chunk)
        position += consumed
        if len(chunk) > max_line_bytes and not chunk.endswith(b"\n"):
            size = len(chunk)
            while not chunk.endswith(b"\n"):
                chunk = stream.readline(_SKIP_BLOCK)
                if not chunk:
                    break
                size += len(chunk)
                consumed += len(chunk)
                position += len(chunk)
            yield Line(number, None, size - chunk.endswith(b"\n"), consumed)
            continue
        data = chunk[:-1] if chunk.endswith(b"\n") else chunk
        if data.endswith(b"\r"):
            data = data[:-1]
        if number == 1 and data.startswith(_BOM):
            data = data[len(_BOM):]
            start += len(_BOM)
        yield Line(number, data, len(data), consumed, start)


def error_record(line: int, error: str, problems: list[CaseProblem],
                 case_id: str | None = None) -> bytes:
    """An error record's JSON (compact, stable key order), UTF-8."""
    return json.dumps({"line": line, "error": error, "case_id": case_id,
                       "problems": [{"path": p.path, "message": p.message} for p in problems]},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _dumped(decision: Decision) -> bytes:
    """``decision.model_dump_json()``, UTF-8 encoded, without decoding it to text first."""
    return Decision.__pydantic_serializer__.to_json(decision)


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
    # The common case, a valid line: the text is parsed and validated in one pydantic pass
    # (parse_case's JSON fast path). A line it refuses is taken step by step below, which words
    # the record as before (the same decision either way: tests/test_case_fast.py).
    try:
        decision = engine.evaluate(text, lang=options.lang, explain=options.explain,
                                   trace_personal=options.trace_personal)
    except InvalidCase:
        pass
    except Exception as exc:  # a bug: report it for this line and go on
        return _failed(line, exc, _case_id(_json_or_none(text)))
    else:
        return Record(line.number, "ok", _dumped(decision))
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
    case_id = _case_id(data)
    try:
        decision = engine.evaluate(data, lang=options.lang, explain=options.explain,
                                   trace_personal=options.trace_personal)
    except InvalidCase as exc:
        log.debug("line %d rejected: %d problem(s) at %s", line.number, len(exc.problems),
                  ", ".join(p.path or "(case)" for p in exc.problems))
        return Record(line.number, "rejected",
                      error_record(line.number, "invalid_case", exc.problems, case_id))
    except Exception as exc:  # a bug: report it for this line and go on
        return _failed(line, exc, case_id)
    return Record(line.number, "ok", _dumped(decision))


def _failed(line: Line, exc: Exception, case_id: str | None) -> Record:
    """The ``evaluation_failed`` record of a line the engine failed on (a bug)."""
    detail = f": {exc}" if isinstance(exc, EscaladeError) else ""
    log.info("line %d: evaluation failed: %s", line.number, type(exc).__name__)
    return Record(line.number, "failed", error_record(
        line.number, "evaluation_failed",
        [CaseProblem("", f"internal error: {type(exc).__name__}{detail}")], case_id))


def _json_or_none(text: str) -> Any:
    """``text`` decoded as JSON, or ``None`` when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        return None


def _case_id(data: Any) -> str | None:
    """A decoded line's ``case_id`` when it is a string of 1-128 characters, else ``None``."""
    value = data.get("case_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 128 else None



def evaluate_lines(lines: Iterable[Line], pack: Pack, options: Options, jobs: int = 1,
                   on_line: Callable[[Line], None] | None = None,
                   source: SourceFile | None = None) -> Iterator[Record]:
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
    yield from _evaluate_parallel(lines, pack, options, jobs, on_line, source)


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
            # The fork server imports escalade once; each worker forked from it starts with
            # the imports done (about 0.15 s of CPU a worker otherwise). No durable_rules host
            # exists in it: those are made in each worker, after the fork.
            forkserver.set_forkserver_preload([__name__])
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)
    return multiprocessing.get_context("forkserver")


MAX_FRUITLESS_POOLS = 8
"""Worker pools in a row that may break before any of them gives a result; one more and the run
gives up (a worker that dies on every line, or cannot even start, must not loop)."""


class _Pools:
    """The worker pools of one parallel run: a fresh one after a worker died, and the count that
    decides when to give up."""

    def __init__(self, pack: Pack, options: Options, source: SourceFile | None) -> None:
        level = logging.getLogger("escalade").getEffectiveLevel()
        self._initargs = (pack, options, level, source)
        self.by_reference = source is not None
        self._context = mp_context()
        self._fruitless = 0  # pools broken in a row without a result
        self._last_death = ""

    def new(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=self._context,
                                   initializer=_worker_init, initargs=self._initargs)

    def progress(self) -> None:
        """A result came back: the workers are not all doomed."""
        self._fruitless = 0

    def broken(self, pool: ProcessPoolExecutor, death: str = "") -> None:
        """``pool`` broke (a worker died of ``death``): shut it down; raise
        ``BrokenProcessPool`` when too many pools in a row broke without a result."""
        pool.shutdown(wait=True, cancel_futures=True)
        self._fruitless += 1
        self._last_death = death or self._last_death
        if self._fruitless > MAX_FRUITLESS_POOLS:
            last = f", the last worker with {self._last_death}" if self._last_death else ""
            raise BrokenProcessPool(f"giving up after {self._fruitless} worker pools in a row "
                                    f"broke without a result{last}")


_Ref = tuple[int, int, int, int]  # a line the worker reads itself: number, offset, size, consumed


def _submit(pool: ProcessPoolExecutor, chunk: list[Line],
            by_reference: bool) -> Future[list[Record]]:
    """Evaluate ``chunk`` in ``pool``; ``by_reference``: send where the lines' bytes are in the
    source file rather than the bytes (a line longer than the limit has none to send)."""
    work: list[Line | _Ref] = list(chunk)
    if by_reference:
        work = [(line.number, line.offset, line.size, line.consumed)
                if line.data is not None and line.offset >= 0 else line for line in chunk]
    try:
        return pool.submit(_worker_chunk, work)
    except BrokenProcessPool as exc:  # broken already: the chunk is re-run with the others
        future: Future[list[Record]] = Future()
        future.set_exception(exc)
        return future


def _received(future: Future[list[Record]]) -> list[Record] | None:
    """The chunk's records if they came back, ``None`` if they were lost with the pool."""
    try:
        return future.result()
    except BrokenProcessPool:
        return None


def _evaluate_parallel(lines: Iterable[Line], pack: Pack, options: Options, jobs: int,
                       on_line: Callable[[Line], None] | None,
                       source: SourceFile | None) -> Iterator[Record]:
    pools = _Pools(pack, options, source)
    pool: ProcessPoolExecutor | None = None
    pending: deque[tuple[list[Line], Future[list[Record]]]] = deque()

    def drain() -> Iterator[Record]:
        """The records of the first pending chunk; all those lost when the pool broke."""
        nonlocal pool
        chunk, future = pending.popleft()
        records = _received(future)
        if records is not None:
            pools.progress()
            yield from _emit(chunk, records, on_line)
            return
        # The pool broke: keep what came back, evaluate the rest again, one worker at a time.
        assert pool is not None
        log.info("a worker process died; re-evaluating the chunks in flight one by one")
        lost: list[tuple[list[Line], list[Record] | None]] = [
            (chunk, None), *((c, _received(f)) for c, f in pending)]
        pending.clear()
        pools.broken(pool)
        pool = None
        yield from _isolate(pools, lost, on_line)

    try:
        for chunk in _chunks(lines):
            if pool is None:
                pool = pools.new(jobs)
            pending.append((chunk, _submit(pool, chunk, pools.by_reference)))
            if len(pending) < jobs * 4:
                continue
            yield from drain()
        while pending:
            yield from drain()
    finally:
        for _, future in pending:
            future.cancel()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _isolate(pools: _Pools, items: list[tuple[list[Line], list[Record] | None]],
             on_line: Callable[[Line], None] | None) -> Iterator[Record]:
    """The records of ``items`` (chunks, with their records when they are known), in order,
    evaluated in a pool of one worker: it takes its tasks in order, so when it dies, the first
    task without a result is the one it died on. That task is split into its lines; a line it
    dies on twice gets an ``evaluation_failed`` record."""
    todo = deque(items)
    kills: dict[int, int] = {}
    while todo:
        pool = pools.new(1)
        try:
            futures: deque[Future[list[Record]]] = deque()
            for lines, records in todo:
                if records is None:
                    futures.append(_submit(pool, lines, pools.by_reference))
            # The worker, for its exit code (started by the first submit; no public way to it,
            # hence the private attribute, read defensively: without it, the cause is unknown).
            workers = list((getattr(pool, "_processes", None) or {}).values())
            while todo:
                lines, records = todo[0]
                if records is None:
                    records = _received(futures[0])
                    if records is None:
                        break
                    futures.popleft()
                    pools.progress()
                todo.popleft()
                yield from _emit(lines, records, on_line)
            else:
                continue
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        death = _death(workers)
        pools.broken(pool, death)
        lines, _ = todo.popleft()
        if len(lines) > 1:
            log.info("a worker process died (%s) on lines %d-%d; re-evaluating them one by one",
                     death or "cause unknown", lines[0].number, lines[-1].number)
            todo.extendleft(([line], None) for line in reversed(lines))
            continue
        line = lines[0]
        kills[line.number] = kills.get(line.number, 0) + 1
        if kills[line.number] < 2:
            todo.appendleft((lines, None))  # once more: a worker can die of other causes
            continue
        log.info("line %d: the worker process evaluating it died twice (%s)", line.number,
                 death or "cause unknown")
        todo.appendleft((lines, [_died(line, death)]))


def _death(workers: list[Any]) -> str:
    """How the only worker of a broken pool died: ``signal SIGKILL``, ``exit code 3``, or ``""``."""
    codes = [w.exitcode for w in workers if getattr(w, "exitcode", None)]
    if len(codes) != 1:
        return ""
    code = codes[0]
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _died(line: Line, death: str) -> Record:
    """The ``evaluation_failed`` record of a line whose worker died; never the line's content
    beyond its case id."""
    case_id = None
    if line.data is not None:
        with contextlib.suppress(UnicodeDecodeError):
            case_id = _case_id(_json_or_none(line.data.decode("utf-8")))
    why = f" ({death})" if death else ""
    message = f"the worker process evaluating this line died{why}"
    return Record(line.number, "failed", error_record(
        line.number, "evaluation_failed", [CaseProblem("", message)], case_id))


def _emit(chunk: list[Line], records: list[Record],
          on_line: Callable[[Line], None] | None) -> Iterator[Record]:
    for line, record in zip(chunk, records, strict=True):
        if on_line is not None:
            on_line(line)
        yield record


_worker_engine: Engine | None = None
_worker_options = Options()
_worker_source: tuple[SourceFile, int] | None = None  # the file and its descriptor


def _worker_init(pack: Pack, options: Options, level: int, source: SourceFile | None) -> None:
    """Runs once in each worker: its own Engine (and the source file open); Ctrl-C is the
    parent's to handle."""
    global _worker_engine, _worker_options, _worker_source
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
    _worker_source = None
    if source is not None:
        try:
            fd = os.open(source.path, os.O_RDONLY)
        except OSError:  # each of its lines then says so (see _worker_chunk)
            fd = -1
        _worker_source = (source, fd)


def _worker_chunk(chunk: list[Line | _Ref]) -> list[Record]:
    """The records of a chunk; lines sent by reference are read from the source file first."""
    assert _worker_engine is not None
    fd, changed = -1, False
    if _worker_source is not None and any(isinstance(item, tuple) for item in chunk):
        source, fd = _worker_source
        changed = fd < 0 or _identity(fd) != source.identity
    records = []
    for item in chunk:
        if isinstance(item, tuple):
            number, offset, size, consumed = item
            try:
                data = b"" if changed else os.pread(fd, size, offset)
            except OSError:  # an I/O error: that line cannot be read again
                data = b""
            if changed or len(data) != size:
                records.append(_unread(number))
                continue
            item = Line(number, data, size, consumed, offset)
        records.append(evaluate_line(_worker_engine, item, _worker_options))
    return records


def _identity(fd: int) -> tuple[int, int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino, info.st_mtime_ns


def _unread(number: int) -> Record:
    """The record of a line that could not be read again: the file changed during the run."""
    return Record(number, "failed", error_record(number, "evaluation_failed", [CaseProblem(
        "", "the input file changed (or could not be read again) during the run; this line "
            "was not evaluated")]))
