"""Bad cases: generated valid cases give a decision; every mutation of them into garbage gives
``InvalidCase`` (one line per problem) and nothing else, in the library and on the command line;
the documented input limits hold and are configurable."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from click.testing import CliRunner
from escalade import DEFAULT_LIMITS, Decision, Engine, InvalidCase, Limits, parse_case
from escalade.cli.main import cli
from hypothesis import given
from hypothesis import strategies as st

from .conftest import ROOT, base_case, contact
from .strategies import INVALID_MUTATIONS, broken_bytes, to_bytes, valid_cases, wrong_type

Run = Callable[..., CompletedProcess[str]]


def assert_clean_rejection(exc: InvalidCase) -> None:
    """The documented error, each problem on one line of reasonable length."""
    assert exc.problems
    for problem in exc.problems:
        text = str(problem)
        assert "\n" not in text and "\r" not in text, text
        assert 0 < len(text) < 1200, text[:200]
    assert str(exc).count("\n") == len(exc.problems)


def outcome(engine: Engine, raw: Any) -> Decision | InvalidCase:
    """The decision, or the InvalidCase raised; anything else propagates and fails the test."""
    try:
        return engine.evaluate(raw)
    except InvalidCase as exc:
        assert_clean_rejection(exc)
        return exc


# -- the library ----------------------------------------------------------------------------


@given(case=valid_cases())
def test_generated_valid_cases_give_a_decision(engine: Engine, case: dict[str, Any]) -> None:
    decision = engine.evaluate(case)
    assert isinstance(decision, Decision)
    assert engine.evaluate(to_bytes(case)).model_dump_json() == decision.model_dump_json()


@given(data=st.data())
def test_mutated_cases_are_rejected_with_invalid_case_only(engine: Engine,
                                                           data: st.DataObject) -> None:
    case = data.draw(valid_cases(max_events=4))
    mutation = data.draw(st.sampled_from(INVALID_MUTATIONS))
    bad = data.draw(mutation(case))
    as_text = data.draw(st.booleans())
    result = outcome(engine, to_bytes(bad) if as_text else bad)
    assert isinstance(result, InvalidCase), (mutation.__name__, bad)


@given(data=st.data())
def test_any_value_of_the_wrong_type_never_crashes(engine: Engine, data: st.DataObject) -> None:
    case = data.draw(valid_cases(max_events=4))
    outcome(engine, data.draw(wrong_type(case)))


@given(data=st.data())
def test_damaged_bytes_are_rejected(engine: Engine, data: st.DataObject) -> None:
    raw = data.draw(broken_bytes(data.draw(valid_cases(max_events=3))))
    assert isinstance(outcome(engine, raw), InvalidCase)


@given(raw=st.binary(max_size=300) | st.text(max_size=300))
def test_arbitrary_bytes_and_text_never_crash(engine: Engine, raw: bytes | str) -> None:
    outcome(engine, raw)


@pytest.mark.parametrize("raw, expected", [
    (b"[" * 200_000 + b"]" * 200_000, "nested more than 32 levels"),
    (b'{"a":' * 200_000 + b"1" + b"}" * 200_000, "nested more than 32 levels"),
    (b"[" * 200_000, "nested more than 32 levels"),  # unbalanced, never closed
    (b'{"schema_version": ' + b"9" * 10_000 + b"}", "not valid JSON: Exceeds the limit"),
    (b"\xef\xbb\xbf{}", "not valid JSON"),
    (b"1e999", "not a number"),
    (b"", "input is empty"),
    (b"\x00", "not valid JSON"),
    ("\ud800".encode("utf-8", "surrogatepass"), "not UTF-8"),
])
def test_garbage_gives_one_clear_problem(raw: bytes, expected: str) -> None:
    with pytest.raises(InvalidCase) as info:
        parse_case(raw)
    assert_clean_rejection(info.value)
    assert len(info.value.problems) == 1
    text = str(info.value.problems[0])
    assert expected in text


def test_deep_nesting_in_a_dict_is_refused_without_recursion_error() -> None:
    deep: Any = 1
    for _ in range(100_000):
        deep = {"a": deep}
    case = base_case()
    case["consumer"] = deep
    with pytest.raises(InvalidCase, match="nested more than 32 levels"):
        parse_case(case)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    note = "[[[{{{" * 500 + "\\\"]]]" * 10  # escapes take the slow, exact path
    case = base_case(events=[contact("2026-03-10T10:00:00+08:00", note=note)])
    assert parse_case(json.dumps(case)).events[0].note == note


@pytest.mark.parametrize("override, path", [
    ({"as_of": "0001-01-01T00:00:00"}, "as_of"),
    ({"as_of": "9999-12-31T23:59:59-10:00"}, "as_of"),
    ({"events": [contact("1899-12-31T23:00:00+08:00")]}, "events[0].at"),
])
def test_years_outside_1900_2999_are_rejected_not_overflowed(override: dict[str, Any],
                                                             path: str) -> None:
    with pytest.raises(InvalidCase) as info:
        parse_case(base_case(arrangement=None, **override))
    assert [p.path for p in info.value.problems] == [path]
    assert "outside the supported years 1900-2999" in str(info.value)


def test_odd_keys_and_huge_values_stay_on_one_line() -> None:
    case = base_case(**{"a\nb": 1, "x" * 5000: 2}, product="p\n" * 4000)
    with pytest.raises(InvalidCase) as info:
        parse_case(case)
    assert_clean_rejection(info.value)
    paths = sorted(p.path for p in info.value.problems)
    assert paths[0] == '["a\\nb"]' and paths[1].startswith('["xxx') and "product" in paths


# -- limits ---------------------------------------------------------------------------------


def test_default_limits_are_the_documented_ones() -> None:
    documented = Limits(max_input_bytes=4_000_000, max_events=10_000, max_depth=32,
                        max_string_chars=10_000)
    assert documented == DEFAULT_LIMITS
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Limits", 1)[1].split("\n## ", 1)[0]
    for value in ("4,000,000", "10,000", "32", "1900", "2999", "max_input_bytes", "max_events",
                  "max_depth", "max_string_chars"):
        assert value in section, value


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "10"])
def test_limits_must_be_positive_whole_numbers(bad: Any) -> None:
    with pytest.raises(ValueError, match="positive whole number"):
        Limits(max_events=bad)


def events_case(n: int) -> dict[str, Any]:
    return base_case(events=[contact("2026-03-10T10:00:00+08:00") for _ in range(n)])


@pytest.mark.parametrize("as_text", [False, True])
def test_each_limit_at_and_past_its_bound(as_text: bool) -> None:
    def parse(case: Any, limits: Limits) -> Any:
        return parse_case(json.dumps(case) if as_text else case, limits=limits)

    parse(events_case(3), Limits(max_events=3))
    with pytest.raises(InvalidCase, match=r"events: 4 events; the limit is 3"):
        parse(events_case(4), Limits(max_events=3))
    parse(base_case(case_id="x" * 50), Limits(max_string_chars=50))
    with pytest.raises(InvalidCase, match=r"case_id: a string of 51 characters; the limit is 50"):
        parse(base_case(case_id="x" * 51), Limits(max_string_chars=50))
    nested = base_case(arrangement={**base_case()["arrangement"],
                                    "agent": {"asked_for": ["id_card"]}})
    parse(nested, Limits(max_depth=4))  # case > arrangement > agent > asked_for
    with pytest.raises(InvalidCase, match="nested more than 3 levels"):
        parse(nested, Limits(max_depth=3))


def test_size_limit_for_text_and_bytes() -> None:
    raw = json.dumps(base_case(case_id="案" * 100), ensure_ascii=False)
    size = len(raw.encode("utf-8"))
    for form in (raw, raw.encode("utf-8")):
        parse_case(form, limits=Limits(max_input_bytes=size))
        with pytest.raises(InvalidCase, match=f"exceeds the size limit of {size - 1:,} bytes"):
            parse_case(form, limits=Limits(max_input_bytes=size - 1))


def test_engine_applies_its_limits(pack_copy: Path) -> None:
    with Engine(pack_copy, limits=Limits(max_events=2)) as small:
        assert small.limits.max_events == 2
        small.evaluate(events_case(2))
        with pytest.raises(InvalidCase, match="the limit is 2"):
            small.evaluate(events_case(3))
    with Engine(pack_copy) as default:
        assert default.limits is DEFAULT_LIMITS
        default.evaluate(events_case(3))


# -- the command line -----------------------------------------------------------------------

ONE_PROBLEM_LINE = re.compile(r"^  \S.*$")


def assert_cli_rejection(status: int, stdout: str, stderr: str) -> None:
    """Exit 2, nothing on stdout, a header line then exactly one line per problem."""
    assert status == 2, stderr
    assert stdout == "" and "Traceback" not in stderr
    lines = stderr.rstrip("\n").split("\n")
    header = re.match(r"^escalade: (.*): invalid case \((\d+) problem\(s\)\):$", lines[0])
    if header is None:  # an unreadable file: a single line
        assert len(lines) == 1 and lines[0].startswith("escalade: "), stderr
        return
    assert int(header.group(2)) == len(lines) - 1, stderr
    assert all(ONE_PROBLEM_LINE.match(line) for line in lines[1:]), stderr


@given(data=st.data())
def test_cli_in_process_exits_2_with_one_line_per_problem(data: st.DataObject) -> None:
    case = data.draw(valid_cases(max_events=3))
    how = data.draw(st.sampled_from(["bytes", *range(len(INVALID_MUTATIONS))]))
    raw = data.draw(broken_bytes(case)) if how == "bytes" else to_bytes(
        data.draw(INVALID_MUTATIONS[int(how)](case)))
    result = CliRunner().invoke(cli, ["evaluate", "-", "--format", "json"], input=raw)
    assert isinstance(result.exception, SystemExit) or result.exception is None
    assert_cli_rejection(result.exit_code, result.stdout, result.stderr)


GARBAGE = [
    b"", b"\x00\x01\x02", b"\xff\xfe\xfd", b"[]", b"null", b"{", b"[" * 100_000,
    b'{"schema_version": ' + b"9" * 10_000 + b"}", b"\xef\xbb\xbf{}",
    json.dumps(base_case(events=[contact("2026-03-10T10:00:00+08:00", note="x" * 20_000)]))
    .encode(),
    json.dumps(base_case(**{"a\nb": [[[[[[]]]]]]}, product="x" * 3000)).encode(),
    json.dumps(base_case(as_of="0001-01-01T00:00:00")).encode(),
    b" " * 4_000_001,
]


@pytest.mark.parametrize("raw", GARBAGE, ids=range(len(GARBAGE)))
def test_cli_subprocess_on_garbage_exits_2_without_traceback(run_cli: Run, raw: bytes) -> None:
    proc = run_cli("evaluate", "-", stdin=raw)
    assert_cli_rejection(proc.returncode, proc.stdout, proc.stderr)


def test_cli_subprocess_on_unreadable_paths(run_cli: Run, tmp_path: Path) -> None:
    for path in (str(tmp_path), str(tmp_path / "nope.json"), "/dev/zero"):
        proc = run_cli("evaluate", path)
        assert_cli_rejection(proc.returncode, proc.stdout, proc.stderr)


def test_cli_path_with_a_nul_byte_exits_2() -> None:
    result = CliRunner().invoke(cli, ["evaluate", "case\x00.json"])
    assert result.exit_code == 2 and "cannot read" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
