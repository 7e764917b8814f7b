"""Loading a pack: every problem reported at once, each with file, line and rule id."""

from __future__ import annotations

from pathlib import Path

import pytest
from escalade import InvalidPack, load_pack


def broken(pack_copy: Path, file: str, old: str, new: str) -> list[str]:
    path = pack_copy / file
    text = path.read_text("utf-8")
    assert old in text, f"fixture text {old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(InvalidPack) as info:
        load_pack(pack_copy)
    return [str(p) for p in info.value.problems]


def line_of(pack_copy: Path, file: str, needle: str) -> int:
    lines = (pack_copy / file).read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_builtin_pack_loads(pack_copy: Path) -> None:
    pack = load_pack(pack_copy)
    assert pack.name == "cn-huabei" and pack.languages == ("zh-CN", "en")
    assert len({r.id for r in pack.rules}) == len(pack.rules)


def test_misspelt_fact_names_file_line_rule_and_suggestion(pack_copy: Path) -> None:
    found = broken(pack_copy, "20-collector.yaml", "- collector_informed: false",
                   "- collector_infromed: false")
    line = line_of(pack_copy, "20-collector.yaml", "collector_infromed")
    assert found == [f"{pack_copy / '20-collector.yaml'}:{line} [rule s4-explain-to-collector]: "
                     "unknown fact 'collector_infromed' (did you mean 'collector_informed'?)"]


def test_all_problems_at_once_across_files(pack_copy: Path) -> None:
    (pack_copy / "20-collector.yaml").write_text(
        (pack_copy / "20-collector.yaml").read_text("utf-8")
        .replace("action: explain_to_collector", "action: shout_at_collector")
        .replace("id: s4-demand-basis", "id: s4-explain-to-collector"), "utf-8")
    found = broken(pack_copy, "10-verify.yaml", "documents_submitted: 0",
                   "documents_submitted: none")
    text = "\n".join(found)
    assert "10-verify.yaml" in text and "expected a int value" in text
    assert ("rules.0.action" in text and "shout_at_collector" not in text) or "action" in text
    assert "duplicate id 's4-explain-to-collector'" in text
    assert len(found) >= 3


@pytest.mark.parametrize("file, old, new, expected", [
    ("10-verify.yaml", "    channels: [alipay_profile]\n", "    channels: [alipay_profile]\n"
     "    colour: red\n", "unknown key"),
    ("10-verify.yaml", "arrangement_status: applied", "arrangement_status: pending",
     "'pending' is not a value of this fact"),
    ("10-verify.yaml", "documents_submitted: 0", "documents_submitted: {about: 0}",
     "unknown operator 'about'"),
    ("10-verify.yaml", "documents_submitted: 0", "arranged_by: {more_than: 1}",
     "needs a number fact"),
    ("30-complaints.yaml", "{param: max_connected_calls_per_day}", "{param: max_calls}",
     "unknown parameter 'max_calls'"),
    ("30-complaints.yaml", "{param: max_connected_calls_per_day}",
     "{param: daytime_window_unconfirmed}", "unconfirmed (confidence U)"),
    ("10-verify.yaml", "    channels: [alipay_profile]", "    channels: [alipay_profiel]",
     "did you mean 'alipay_profile'"),
    ("10-verify.yaml", "      en:\n        title: Update", "      fr:\n        title: Update",
     "missing en text"),
    ("pack.yaml", "    value: 3\n", "    value: three\n", "is declared int"),
    ("10-verify.yaml", "rules:\n", "rules:\n  - id: [\n", "YAML error"),
])
def test_broken_pack_is_rejected(pack_copy: Path, file: str, old: str, new: str,
                                 expected: str) -> None:
    found = broken(pack_copy, file, old, new)
    assert any(expected in p for p in found), found
    assert all(":" in p.split(" ")[0] for p in found)  # file:line first


def test_missing_directory_and_manifest(tmp_path: Path) -> None:
    with pytest.raises(InvalidPack, match="does not exist"):
        load_pack(tmp_path / "nope")
    with pytest.raises(InvalidPack, match=r"missing pack\.yaml"):
        load_pack(tmp_path)
