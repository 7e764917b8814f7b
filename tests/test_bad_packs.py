"""Bad rule packs, table-driven: each broken pack is rejected with every problem located by file,
line and rule id, by ``load_pack`` and by ``escalade validate`` (exit 2, no traceback)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from click.testing import CliRunner
from escalade import Engine, InvalidPack, PackProblem, load_pack
from escalade.cli.main import cli
from hypothesis import given, settings
from hypothesis import strategies as st

Run = Callable[..., CompletedProcess[str]]

MANIFEST = """\
pack:
  name: tiny
  version: "1"
  languages: [zh-CN, en]

parameters:
  quiet_hours_start: {value: "22:00", type: time, source: test, confidence: S}
  quiet_hours_end: {value: "08:00", type: time, source: test, confidence: S}
  max_calls: {value: 3, type: int, source: test, confidence: S}

labels:
  channels:
    hotline: {zh-CN: 热线, en: hotline}

notice:
  zh-CN: 不是法律意见。
  en: Not legal advice.
"""

RULES = """\
rules:
  - id: many-calls
    action: file_with_regulator
    when:
      - connected_calls_max_per_day: {more_than: {param: max_calls}}
    channels: [hotline]
    cites: ["test"]
    text:
      zh-CN: {title: 投诉, why: 太多电话, steps: [打电话]}
      en: {title: Complain, why: Too many calls, steps: [Call]}

  - id: outdated-details
    action: update_contact_details
    when:
      - contact_details: outdated
    cites: ["test"]
    text:
      zh-CN: {title: 更新, why: 过期, steps: [更新]}
      en: {title: Update, why: Outdated, steps: [Update]}
"""

FILES = {"pack.yaml": MANIFEST, "rules.yaml": RULES}


def write_pack(directory: Path, files: dict[str, str | None]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in {**FILES, **files}.items():
        if text is not None:
            (directory / name).write_text(text, "utf-8", errors="surrogateescape")
    return directory


def edit(file: str, old: str, new: str) -> dict[str, str | None]:
    text = FILES[file]
    assert text.count(old) == 1, old
    return {file: text.replace(old, new)}


@dataclass(frozen=True)
class Broken:
    """A broken pack: the files that differ from the good one, and every problem expected:
    (file name, line, rule id, a piece of the message)."""

    name: str
    files: dict[str, str | None]
    problems: list[tuple[str, int | None, str | None, str]]


TABLE = [
    Broken("yaml-syntax", edit("rules.yaml", "{param: max_calls}}", "{param: max_calls}"),
           [("rules.yaml", 6, None, "expected ',' or '}', but got '<scalar>' (while parsing a "
                                    "flow mapping from line 5)")]),
    Broken("wrong-indentation", edit("rules.yaml", "    action: update_contact_details",
                                     "   action: update_contact_details"),
           [("rules.yaml", 13, None, "YAML error: expected <block end>")]),
    Broken("wrong-indentation-still-yaml", edit("pack.yaml", "  en: Not legal advice.",
                                                "en: Not legal advice."),
           [("pack.yaml", 17, None, "en: unknown key")]),
    Broken("tab-indentation", edit("rules.yaml", "    action: update_contact_details",
                                   "\taction: update_contact_details"),
           [("rules.yaml", 13, None, "found character '\\t' that cannot start any token")]),
    Broken("duplicate-yaml-key", edit("rules.yaml", "    action: update_contact_details\n",
                                      "    action: update_contact_details\n"
                                      "    action: secure_account\n"),
           [("rules.yaml", 14, None, 'found duplicate key "action"')]),
    Broken("yaml-alias", {"more.yaml": "rules:\n  - &rule\n    id: copy\n  - *rule\n"},
           [("more.yaml", 2, None, "YAML aliases (*name) are not allowed in a pack")]),
    Broken("unknown-key", edit("rules.yaml", "      - contact_details: outdated\n",
                               "      - contact_details: outdated\n    colour: red\n"),
           [("rules.yaml", 16, "outdated-details", "rules.1.colour: unknown key")]),
    Broken("unknown-fact", edit("rules.yaml", "contact_details: outdated",
                                "contact_detail: outdated"),
           [("rules.yaml", 15, "outdated-details",
             "unknown fact 'contact_detail' (did you mean 'contact_details'?)")]),
    Broken("unknown-fact-value", edit("rules.yaml", "contact_details: outdated",
                                      "contact_details: outdate"),
           [("rules.yaml", 15, "outdated-details",
             "'outdate' is not a value of this fact")]),
    Broken("unknown-action", edit("rules.yaml", "action: update_contact_details",
                                  "action: update_contacts"),
           [("rules.yaml", 13, "outdated-details",
             "unknown action 'update_contacts' (did you mean 'update_contact_details'?)")]),
    Broken("duplicate-id", edit("rules.yaml", "id: outdated-details", "id: many-calls"),
           [("rules.yaml", 12, "many-calls", "duplicate id 'many-calls' (first at ")]),
    Broken("wrong-parameter-type", edit("pack.yaml", "max_calls: {value: 3,",
                                        "max_calls: {value: three,"),
           [("pack.yaml", 9, None, "parameter 'max_calls' is declared int but its value "
                                   "'three' is not a whole number"),
            ("rules.yaml", 5, "many-calls", "parameter 'max_calls' is invalid (declared at ")]),
    Broken("parameter-of-wrong-type-in-a-rule", edit("rules.yaml", "{param: max_calls}",
                                                     "{param: quiet_hours_start}"),
           [("rules.yaml", 5, "many-calls", "expected a int value, got '22:00'")]),
    Broken("value-of-wrong-type", edit("rules.yaml", "contact_details: outdated",
                                       "contact_details: 3"),
           [("rules.yaml", 15, "outdated-details", "expected a str value, got 3")]),
    Broken("missing-language-text", edit("rules.yaml", "      en: {title: Update, why: Outdated, "
                                         "steps: [Update]}\n", ""),
           [("rules.yaml", 17, "outdated-details", "missing en text")]),
    Broken("missing-language-notice", edit("pack.yaml", "  en: Not legal advice.\n", ""),
           [("pack.yaml", 15, None, "missing en text")]),
    Broken("empty-rule-file", {"rules.yaml": ""},
           [("pack.yaml", None, None, "the pack has no rules")]),
    Broken("no-rule-file", {"rules.yaml": None},
           [("pack.yaml", None, None, "the pack has no rules")]),
    Broken("empty-manifest", {"pack.yaml": ""}, [("pack.yaml", 1, None, "pack: Field required")]),
    Broken("no-manifest", {"pack.yaml": None},
           [("pack.yaml", None, None, "missing pack.yaml (the pack's manifest)")]),
    Broken("rule-file-not-a-mapping", {"rules.yaml": "- a\n- b\n"},
           [("rules.yaml", 1, None, "the file must be a YAML mapping")]),
    Broken("rule-file-not-utf8", {"rules.yaml": "\udcff"},
           [("rules.yaml", None, None, "cannot read: 'utf-8' codec can't decode byte 0xff")]),
]

def located(pack_dir: Path, found: list[PackProblem]) -> list[tuple[str, int | None, str | None,
                                                                    str]]:
    return [(Path(p.file).name, p.line, p.rule, p.message) for p in found]


def check(pack_dir: Path, expected: list[tuple[str, int | None, str | None, str]]) -> str:
    """Load the pack: exactly the expected problems, in order; the message ``validate`` shows."""
    with pytest.raises(InvalidPack) as info:
        load_pack(pack_dir)
    got = located(pack_dir, info.value.problems)
    assert len(got) == len(expected), got
    for (file, line, rule, piece), (g_file, g_line, g_rule, g_msg) in zip(expected, got,
                                                                          strict=True):
        assert (g_file, g_line, g_rule) == (file, line, rule), got
        assert piece in g_msg, got
    for problem in info.value.problems:
        assert Path(problem.file).parent == pack_dir  # the path to the file, not just its name
        assert "\n" not in str(problem)
    return str(info.value)


# Checked in a real subprocess as well as in-process (a subprocess costs about a second).
SUBPROCESS = {"yaml-syntax", "unknown-fact", "wrong-parameter-type", "no-manifest"}


@pytest.mark.parametrize("case", TABLE, ids=[c.name for c in TABLE])
def test_broken_pack_lists_every_problem_with_file_line_rule(tmp_path: Path, case: Broken,
                                                             run_cli: Run) -> None:
    pack_dir = write_pack(tmp_path / "pack", case.files)
    message = check(pack_dir, case.problems)
    result = CliRunner().invoke(cli, ["validate", str(pack_dir)])
    status, stdout, stderr = result.exit_code, result.stdout, result.stderr
    if case.name in SUBPROCESS:
        proc = run_cli("validate", str(pack_dir))
        assert (proc.returncode, proc.stdout, proc.stderr) == (status, stdout, stderr)
    assert status == 2 and stdout == "" and "Traceback" not in stderr
    assert stderr == f"escalade: {message}\n"
    lines = stderr.splitlines()
    assert len(lines) == 1 + len(case.problems)
    for line, (file, number, rule, _) in zip(lines[1:], case.problems, strict=True):
        where = f"  {pack_dir / file}" + (f":{number}" if number else "")
        assert line.startswith(where + (f" [rule {rule}]" if rule else "") + ": "), line


def test_nested_aliases_are_refused(tmp_path: Path) -> None:
    # "billion laughs" in small: 9**5 items once expanded (enough to show, small enough that a
    # loader that expands them fails this test in a second rather than running out of memory)
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcd", "bcde", strict=True)]
    pack_dir = write_pack(tmp_path / "pack", {"laughs.yaml": "\n".join(levels) + "\n"})
    check(pack_dir, [("laughs.yaml", 1, None, "YAML aliases (*name) are not allowed")])


def test_every_problem_at_once_across_files(tmp_path: Path) -> None:
    rules = (RULES.replace("contact_details: outdated\n",
                           "contact_detail: outdated\n    colour: red\n")
             .replace("id: outdated-details", "id: many-calls")
             .replace("      en: {title: Update, why: Outdated, steps: [Update]}\n", ""))
    manifest = MANIFEST.replace("max_calls: {value: 3,", "max_calls: {value: three,")
    pack_dir = write_pack(tmp_path / "pack", {"rules.yaml": rules, "pack.yaml": manifest})
    check(pack_dir, [
        ("pack.yaml", 9, None, "parameter 'max_calls' is declared int"),
        ("rules.yaml", 5, "many-calls", "parameter 'max_calls' is invalid"),
        ("rules.yaml", 12, "many-calls", "duplicate id 'many-calls'"),
        ("rules.yaml", 15, "many-calls", "unknown fact 'contact_detail'"),
        ("rules.yaml", 16, "many-calls", "rules.1.colour: unknown key"),
        ("rules.yaml", 18, "many-calls", "missing en text"),
    ])


def test_pack_directory_that_does_not_exist_or_is_a_file(tmp_path: Path, run_cli: Run) -> None:
    for path, message in ((tmp_path / "nope", "pack directory does not exist"),
                          (write_pack(tmp_path / "p", {}) / "pack.yaml", "is not a directory")):
        with pytest.raises(InvalidPack) as info:
            load_pack(path)
        assert [str(p) for p in info.value.problems] == [f"{path}: {message}"]
        result = CliRunner().invoke(cli, ["validate", str(path)])
        assert result.exit_code == 2 and "Traceback" not in result.stderr
        assert result.stderr.splitlines()[1:] == [f"  {path}: {message}"]
    proc = run_cli("validate", str(tmp_path / "nope"))
    assert proc.returncode == 2 and proc.stderr.splitlines()[1:] == [
        f"  {tmp_path / 'nope'}: pack directory does not exist"]


def test_the_good_pack_loads_and_compiles(tmp_path: Path) -> None:
    with Engine(write_pack(tmp_path / "pack", {})) as engine:
        assert [r.id for r in engine.pack.rules] == ["many-calls", "outdated-details"]


LINES = RULES.splitlines(keepends=True)


@st.composite
def damaged_rules(draw: st.DrawFn) -> str:
    """The good rule file with a few lines deleted, duplicated, re-indented or cut short."""
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "cut", "junk"]))
        if how == "delete":
            del lines[i]
        elif how == "duplicate":
            lines.insert(i, lines[i])
        elif how == "indent":
            lines[i] = " " * draw(st.integers(1, 3)) + lines[i]
        elif how == "dedent":
            lines[i] = lines[i][draw(st.integers(1, 4)):] or "\n"
        elif how == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))] + "\n"
        else:
            lines[i] = draw(st.text(max_size=20)) + "\n"
        if not lines:
            break
    return "".join(lines)


@settings(max_examples=80)
@given(text=damaged_rules())
def test_damaged_rule_files_never_crash_the_loader(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pack_dir = write_pack(Path(tmp) / "pack", {"rules.yaml": text})
        try:
            pack = load_pack(pack_dir)
        except InvalidPack as exc:
            assert exc.problems
            assert all("\n" not in str(p) and Path(p.file).parent == pack_dir
                       for p in exc.problems)
            return
        Engine(pack).close()  # whatever loads also compiles into durable_rules
