"""Batch evaluation of JSON Lines, run as real CLI subprocesses: nothing lost, nothing guessed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from escalade import Engine, InvalidCase
from escalade.batch import read_lines

from .conftest import base_case, contact, escalade_bin, load_example

Run = Callable[..., CompletedProcess[str]]
CONDUCTS = [[], ["insulted"], ["contacted_third_party"], ["threatened_violence"]]


def good_case(i: int) -> bytes:
    """A valid case, varied by ``i`` (0-6 collector contacts, some with forbidden conduct)."""
    events = [contact(f"2026-03-{10 + j % 2:02d}T{8 + j:02d}:00:00+08:00",
                      conduct=CONDUCTS[(i + j) % 4]) for j in range(i % 7)]
    return json.dumps(base_case(case_id=f"c{i}", events=events),
                      separators=(",", ":")).encode()


def broken_line(i: int) -> bytes:
    """A line that must be rejected, of one of several kinds."""
    kinds = [b"", b"   ", b"not json", b"[1, 2]", b'{"case_id": "b%d", "schema_version": 1}' % i,
             b"\xff\xfe garbage", b"1" * 5000, b"[" * 50_000, b'"a string"', b"null"]
    return kinds[i % len(kinds)]


def write_batch(path: Path, n: int, broken_every: int = 100, offset: int = 37) -> set[int]:
    """``n`` lines, every ``broken_every``-th broken; returns the broken line numbers (from 1)."""
    broken: set[int] = set()
    with path.open("wb") as f:
        for i in range(n):
            if i % broken_every == offset % broken_every:
                broken.add(i + 1)
                f.write(broken_line(i // broken_every) + b"\n")
            else:
                f.write(good_case(i) + b"\n")
    return broken


def records(text: str) -> list[dict[str, object]]:
    assert text.endswith("\n") or text == ""
    return [json.loads(line) for line in text.split("\n")[:-1]]


def test_mixed_lines_one_record_each_in_order(run_cli: Run, tmp_path: Path) -> None:
    example = json.dumps(load_example("s4-collector-persists"), ensure_ascii=False)
    lines = [good_case(1), b"", b"   \t", b"{not json", b"[1,2]", b'"text"',
             json.dumps(base_case(events=[contact("2026-03-10T10:00:00", channel="fax")])).encode(),
             b"\xff\xfe\xfd", b"1" * 5000, b"[" * 100_000, good_case(2) + b"\r",
             example.encode("utf-8"), json.dumps(base_case(case_id="late",
                                                           as_of="2020-01-01T00:00:00")).encode()]
    src = tmp_path / "cases.jsonl"
    src.write_bytes(b"\n".join(lines))  # the last line has no newline: it still counts
    proc = run_cli("evaluate", str(src), "--lang", "en")
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2, proc.stderr
    out = records(proc.stdout)
    assert len(out) == len(lines)
    ok = {0, 10, 11}
    with Engine() as engine:
        expected_0 = engine.evaluate(good_case(1), lang="en").model_dump_json()
    assert proc.stdout.split("\n")[0] == expected_0  # compact, the same bytes as the API
    for n, record in enumerate(out, start=1):
        if n - 1 in ok:
            assert "error" not in record and record["schema_version"] == 1
        else:
            assert list(record) == ["line", "error", "case_id", "problems"]
            assert record["line"] == n and record["error"] == "invalid_case"
            problems = record["problems"]
            assert isinstance(problems, list) and problems
            assert all(set(p) == {"path", "message"} for p in problems)
    assert out[11]["case_id"] == "s4-collector-persists"
    assert out[12]["case_id"] == "late"  # rejected (events after as_of), id echoed
    assert out[6]["problems"][0]["path"] == "events[0].channel"  # type: ignore[index]
    assert "not UTF-8" in out[7]["problems"][0]["message"]  # type: ignore[index]
    assert proc.stderr.strip().splitlines()[-1] == "escalade: 3 ok, 10 rejected, 13 lines"


def test_all_good_exit_0_and_empty_input(run_cli: Run, tmp_path: Path) -> None:
    src = tmp_path / "good.ndjson"  # .ndjson selects batch mode too
    src.write_bytes(b"".join(good_case(i) + b"\n" for i in range(5)))
    proc = run_cli("evaluate", str(src))
    assert proc.returncode == 0, proc.stderr
    assert [r["case_id"] for r in records(proc.stdout)] == [f"c{i}" for i in range(5)]
    assert "escalade: 5 ok, 0 rejected, 5 lines" in proc.stderr
    empty = run_cli("evaluate", "--jsonl", "-", stdin="")
    assert empty.returncode == 0 and empty.stdout == ""
    assert "escalade: 0 ok, 0 rejected, 0 lines" in empty.stderr


def test_stdin_batch(run_cli: Run) -> None:
    data = good_case(3) + b"\nnope\n" + good_case(4) + b"\n"
    proc = run_cli("evaluate", "--jsonl", "-", stdin=data)
    assert proc.returncode == 2
    out = records(proc.stdout)
    assert [r.get("case_id") for r in out] == ["c3", None, "c4"]
    assert out[1]["line"] == 2


def test_jobs_2_byte_identical_to_jobs_1(run_cli: Run, tmp_path: Path) -> None:
    src = tmp_path / "cases.jsonl"
    broken = write_batch(src, 700, broken_every=10, offset=3)  # several chunks per worker
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    p1 = run_cli("evaluate", str(src), "--out", str(one), "--jobs", "1")
    p2 = run_cli("evaluate", str(src), "--out", str(two), "--jobs", "2")
    assert p1.returncode == p2.returncode == 2, p2.stderr
    assert one.read_bytes() == two.read_bytes()
    out = records(two.read_text("utf-8"))
    assert len(out) == 700
    assert {r["line"] for r in out if "error" in r} == broken
    assert p1.stderr == p2.stderr == "escalade: 630 ok, 70 rejected, 700 lines\n"


def test_over_long_line_is_rejected_and_the_next_line_survives(run_cli: Run,
                                                                tmp_path: Path) -> None:
    src = tmp_path / "long.jsonl"
    src.write_bytes(good_case(1) + b"\n" + b'{"x": "' + b"a" * (5 * 1024 * 1024) + b'"}\n'
                    + good_case(2) + b"\n")
    proc = run_cli("evaluate", str(src))
    out = records(proc.stdout)
    assert proc.returncode == 2 and len(out) == 3
    assert "longer than the limit" in out[1]["problems"][0]["message"]  # type: ignore[index]
    assert out[2]["case_id"] == "c2"


def test_read_lines_counts_every_line(tmp_path: Path) -> None:
    src = tmp_path / "x"
    src.write_bytes(b"\xef\xbb\xbfa\r\n\nbb\n" + b"c" * 50 + b"\nd")
    with src.open("rb") as f:
        lines = list(read_lines(f, max_line_bytes=10))
    assert [(x.number, x.data) for x in lines] == [(1, b"a"), (2, b""), (3, b"bb"), (4, None),
                                                   (5, b"d")]
    assert lines[3].size == 50 and sum(x.consumed for x in lines) == src.stat().st_size
    raw = src.read_bytes()  # each line's offset is where its bytes are (after the BOM)
    for x in lines:
        if x.data is not None:
            assert raw[x.offset:x.offset + x.size] == x.data, x


def test_jobs_2_reads_lines_from_the_file_like_jobs_1(run_cli: Run, tmp_path: Path) -> None:
    # Workers read their lines from the file by offset: a BOM, CRLF endings, blank and
    # over-long lines and a last line without a newline must give the same records.
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + good_case(1) + b"\r\n\n" + good_case(2) + b"\r\n"
                    + b'{"x": "' + b"a" * (5 * 1024 * 1024) + b'"}\n'
                    + b"\n".join(good_case(i) for i in range(3, 400)) + b"\nnot json\n"
                    + good_case(400))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    p1 = run_cli("evaluate", str(src), "--out", str(one), "--jobs", "1")
    p2 = run_cli("evaluate", str(src), "--out", str(two), "--jobs", "2")
    assert p1.returncode == p2.returncode == 2, p2.stderr
    assert one.read_bytes() == two.read_bytes()
    assert len(records(two.read_text("utf-8"))) == 403


def test_a_worker_evaluates_no_line_of_a_file_that_changed(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import escalade.batch as batch

    src = tmp_path / "cases.jsonl"
    src.write_bytes(good_case(1) + b"\n" + good_case(2) + b"\n")
    with src.open("rb") as stream:
        source = batch.SourceFile.of(stream, str(src))
        lines = list(read_lines(stream))
    assert source is not None
    refs = [(x.number, x.offset, x.size, x.consumed) for x in lines]
    fd = os.open(src, os.O_RDONLY)
    try:
        with Engine() as engine:
            monkeypatch.setattr(batch, "_worker_engine", engine)
            monkeypatch.setattr(batch, "_worker_source", (source, fd))
            assert [r.status for r in batch._worker_chunk(refs)] == ["ok", "ok"]
            os.utime(src, ns=(0, source.identity[2] + 1))  # the file was written meanwhile
            failed = batch._worker_chunk(refs)
    finally:
        os.close(fd)
    assert [r.status for r in failed] == ["failed", "failed"]
    record = json.loads(failed[0].json)
    assert record["error"] == "evaluation_failed" and "changed" in record["problems"][0]["message"]


def test_mode_selection_and_usage_errors(run_cli: Run, tmp_path: Path) -> None:
    single = tmp_path / "one.jsonl"
    single.write_text(json.dumps(base_case(), indent=2), "utf-8")  # a pretty-printed case
    proc = run_cli("evaluate", str(single), "--no-jsonl", "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["case_id"] == "t"
    text = run_cli("evaluate", str(single), "--format", "text")
    assert text.returncode == 2 and "--format text" in text.stderr
    jobs = run_cli("evaluate", "-", "--jobs", "2", stdin=json.dumps(base_case()))
    assert jobs.returncode == 2 and "--jobs" in jobs.stderr
    nodir = run_cli("evaluate", str(single), "--out", str(tmp_path / "nope" / "out.jsonl"))
    assert nodir.returncode == 2 and "no such directory" in nodir.stderr
    for proc in (text, jobs, nodir):
        assert "Traceback" not in proc.stderr


def test_single_case_out_is_written_atomically_too(run_cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "decision.json"
    proc = run_cli("evaluate", "-", "--format", "json", "--out", str(target),
                   stdin=json.dumps(base_case()))
    assert proc.returncode == 0 and proc.stdout == ""
    assert json.loads(target.read_text("utf-8"))["case_id"] == "t"
    bad = run_cli("evaluate", "-", "--out", str(tmp_path / "bad.json"), stdin="{}")
    assert bad.returncode == 2 and not (tmp_path / "bad.json").exists()
    assert os.listdir(tmp_path) == ["decision.json"]


@pytest.mark.parametrize("garbage", [b"", b"\xff\xfe", b"1" * 5000, b"[" * 100_000, b"null",
                                     b'{"schema_version": 1e999}', b"\x00" * 10])
def test_single_case_garbage_never_shows_a_traceback(run_cli: Run, garbage: bytes) -> None:
    proc = run_cli("evaluate", "-", stdin=garbage)
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("escalade: ")


def _temp_files(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize(("sig", "jobs"), [(signal.SIGTERM, "1"), (signal.SIGINT, "2")])
def test_interrupted_run_leaves_no_file(tmp_path: Path, sig: signal.Signals, jobs: str) -> None:
    src = tmp_path / "in" / "cases.jsonl"
    src.parent.mkdir()
    write_batch(src, 30_000)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "decisions.jsonl"
    target.write_text("previous run\n", "utf-8")
    proc = subprocess.Popen([escalade_bin(), "evaluate", str(src), "--out", str(target),
                             "--jobs", jobs], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    # Wait until the run is under way: its temporary file exists and has records in it.
    while not any(p.stat().st_size > 0 for p in _temp_files(out_dir)):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    if sig == signal.SIGINT:  # Ctrl-C on a terminal: the whole process group, workers too
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, stderr
    assert b"interrupted" in stderr and b"Traceback" not in stderr
    assert target.read_text("utf-8") == "previous run\n"  # untouched
    assert _temp_files(out_dir) == []
    assert stdout == b""


def test_completed_run_replaces_the_target(run_cli: Run, tmp_path: Path) -> None:
    src = tmp_path / "cases.jsonl"
    write_batch(src, 20)
    target = tmp_path / "out.jsonl"
    target.write_text("old\n", "utf-8")
    target.chmod(0o640)
    proc = run_cli("evaluate", str(src), "--out", str(target))
    assert proc.returncode == 0 and proc.stdout == ""
    assert len(target.read_text("utf-8").splitlines()) == 20
    assert target.stat().st_mode & 0o777 == 0o640
    assert _temp_files(tmp_path) == []


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    src = tmp_path / "cases.jsonl"
    write_batch(src, 50)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([escalade_bin(), "evaluate", str(src), "--out",
                               str(tmp_path / "o.jsonl")], stderr=follower,
                              stdout=subprocess.DEVNULL, timeout=120, check=False)
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
    assert proc.returncode == 2
    assert b"100%" in seen and b"escalade: 49 ok, 1 rejected, 50 lines" in seen
    plain = subprocess.run([escalade_bin(), "evaluate", str(src), "--out",
                            str(tmp_path / "o.jsonl")], capture_output=True, timeout=120,
                           check=False)
    assert plain.stderr == b"escalade: 49 ok, 1 rejected, 50 lines\n"


def test_the_api_and_the_batch_agree_on_rejections(run_cli: Run) -> None:
    bad = json.dumps(base_case(events=[contact("2026-03-10T10:00:00", channel="fax")]))
    with pytest.raises(InvalidCase) as exc:
        Engine().evaluate(bad)
    out = records(run_cli("evaluate", "--jsonl", "-", stdin=bad + "\n").stdout)
    assert out[0]["problems"] == [{"path": p.path, "message": p.message}
                                  for p in exc.value.problems]


@pytest.mark.slow
def test_100k_cases_with_1_percent_broken_give_100k_records(tmp_path: Path) -> None:
    src = tmp_path / "big.jsonl"
    broken = write_batch(src, 100_000)
    assert len(broken) == 1000
    target = tmp_path / "big.out.jsonl"
    try:
        proc = subprocess.run([escalade_bin(), "evaluate", str(src), "--out", str(target),
                               "--jobs", "2"], capture_output=True, text=True, timeout=900,
                              check=False)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == "escalade: 99000 ok, 1000 rejected, 100000 lines\n"
        count = 0
        with target.open("rb") as f:
            for n, line in enumerate(f, start=1):
                count += 1
                head = line[:120]
                if n in broken:
                    assert head.startswith(b'{"line":%d,"error":"invalid_case"' % n)
                else:
                    assert b'"case_id":"c%d"' % (n - 1) in head
        assert count == 100_000
    finally:
        src.unlink(missing_ok=True)
        target.unlink(missing_ok=True)


def test_engine_failure_on_one_line_is_recorded_and_the_run_goes_on(pack_copy: Path) -> None:
    from escalade.batch import Line, Options, evaluate_line

    case = json.dumps(load_example("s4-confirmed-yet-called")).encode()
    with Engine(pack_copy) as eng:
        def boom(_: object) -> None:
            raise ValueError("injected")

        eng._runtime._actions["rule:s4-explain-to-collector"] = boom
        failed = evaluate_line(eng, Line(3, case, len(case), len(case) + 1), Options())
        fine = evaluate_line(eng, Line(4, good_case(0), 1, 1), Options())
    assert failed.status == "failed" and fine.status == "ok"
    record = json.loads(failed.json)
    assert record["line"] == 3 and record["error"] == "evaluation_failed"
    assert record["case_id"] == "s4-confirmed-yet-called"
    assert "RuleActionError" in record["problems"][0]["message"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_interrupts_a_run_waiting_for_input(sig: signal.Signals) -> None:
    """Signals are held while a line is evaluated, but not while the input is awaited."""
    proc = subprocess.Popen([escalade_bin(), "evaluate", "--jsonl", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(load_example("s6-too-frequent")).encode() + b"\n")
    proc.stdin.flush()
    assert proc.stdout is not None
    first = proc.stdout.readline()  # one decision out: the run now waits for the next line
    assert json.loads(first)["case_id"] == "s6-too-frequent"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, stderr
    assert b"interrupted" in stderr and b"Traceback" not in stderr


def _sigint_disposition() -> str:
    return repr(signal.getsignal(signal.SIGINT))


def test_workers_ignore_ctrl_c_from_birth() -> None:
    """No initializer here: the worker's SIGINT disposition comes from the fork server, so a
    Ctrl-C to the process group while a worker starts cannot kill it (the run must end as
    'interrupted', not 'a worker process died')."""
    from concurrent.futures import ProcessPoolExecutor

    from escalade.batch import mp_context

    context = mp_context()
    if context.get_start_method() != "forkserver":
        pytest.skip("no fork server on this platform")
    before = signal.getsignal(signal.SIGINT)
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        assert pool.submit(_sigint_disposition).result(timeout=60) == repr(signal.SIG_IGN)
    assert signal.getsignal(signal.SIGINT) is before  # this process keeps its own handler


# A worker process that dies: a sitecustomize.py on PYTHONPATH, imported at start-up by the CLI,
# the fork server and so every worker, makes evaluate_line kill its own process for a line whose
# case_id starts with "boom" (SIGKILL) or "exit7" (os._exit(7)), in worker processes only.
_KILLER = '''
import multiprocessing, os, signal

import escalade.batch as batch

_evaluate_line = batch.evaluate_line


def evaluate_line(engine, line, options):
    if multiprocessing.parent_process() is not None and line.data is not None:
        if b'"case_id":"boom' in line.data:
            os.kill(os.getpid(), signal.SIGKILL)
        if b'"case_id":"exit7' in line.data:
            os._exit(7)
    return _evaluate_line(engine, line, options)


batch.evaluate_line = evaluate_line
'''


def _run_with_killer(tmp_path: Path, *args: str) -> CompletedProcess[str]:
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(_KILLER, "utf-8")
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH")) if p)
    return subprocess.run([escalade_bin(), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": path}, check=False)


def _killer_line(i: int, kind: str) -> bytes:
    return good_case(i).replace(b'"case_id":"c%d"' % i, b'"case_id":"%s%d"' % (kind.encode(), i))


@pytest.mark.parametrize("killers", [
    {301: "boom"},  # in the second of three chunks
    {10: "boom", 600: "exit7"},  # in the first and the last chunk
    {300: "boom", 301: "boom"},  # side by side
    {700: "exit7"},  # the very last line
], ids=["one", "two-chunks", "adjacent", "last-line"])
def test_a_worker_dying_on_a_line_fails_that_line_only(tmp_path: Path,
                                                       killers: dict[int, str]) -> None:
    src = tmp_path / "cases.jsonl"
    broken = write_batch(src, 700, broken_every=10, offset=3)  # 3 chunks of up to 256 lines
    lines = src.read_bytes().split(b"\n")
    for n, kind in killers.items():
        lines[n - 1] = _killer_line(n - 1, kind)
    src.write_bytes(b"\n".join(lines))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    p1 = subprocess.run([escalade_bin(), "evaluate", str(src), "--out", str(one)],
                        capture_output=True, text=True, timeout=300, check=False)
    assert p1.returncode == 2, p1.stderr  # in-process, without the hook: every killer line is ok
    p2 = _run_with_killer(tmp_path, "evaluate", str(src), "--out", str(two), "--jobs", "2")
    assert p2.returncode == 1, p2.stderr
    assert "Traceback" not in p2.stderr
    assert p2.stderr == (f"escalade: {700 - len(broken) - len(killers)} ok, {len(broken)} "
                         f"rejected, {len(killers)} failed, 700 lines\n")
    expected = one.read_text("utf-8").split("\n")
    got = two.read_text("utf-8").split("\n")
    assert len(got) == len(expected) == 701 and got[-1] == ""
    for n, (mine, theirs) in enumerate(zip(got[:-1], expected[:-1], strict=True), start=1):
        if n not in killers:
            assert mine == theirs, n  # byte-identical to --jobs 1
            continue
        death = "signal SIGKILL" if killers[n] == "boom" else "exit code 7"
        assert json.loads(mine) == {
            "line": n, "error": "evaluation_failed", "case_id": f"{killers[n]}{n - 1}",
            "problems": [{"path": "", "message": "the worker process evaluating this line "
                                                 f"died ({death})"}]}
    assert _temp_files(tmp_path) == []


def test_workers_dying_on_every_line_end_the_run(tmp_path: Path) -> None:
    src = tmp_path / "cases.jsonl"
    src.write_bytes(b"".join(_killer_line(i, "boom") + b"\n" for i in range(600)))
    target = tmp_path / "out.jsonl"
    target.write_text("previous run\n", "utf-8")
    proc = _run_with_killer(tmp_path, "evaluate", str(src), "--out", str(target), "--jobs", "2")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("escalade: a worker process died (giving up after ")
    assert proc.stderr.endswith("signal SIGKILL); no output file written\n")
    assert target.read_text("utf-8") == "previous run\n"
    assert _temp_files(tmp_path) == [] and proc.stdout == ""
