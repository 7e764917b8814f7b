"""The living documentation page: ``pytest --living-doc=PATH`` (tests/livingdoc.py).

Real pytest runs in a subprocess: on a small project of its own (a passing, a failing, an
undefined-step, a deselected scenario, an outline with a failing row, and a tag that must be
registered as a marker under --strict-markers) and on the real
features with ``-k``; then the HTML is read back.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

SAMPLE_FEATURE = """# language: zh-CN
功能: 样例功能
  出处：文章 §四。

  @冒烟
  场景: 通过的场景
    假如 一个数 2
    当 记录规则“rule-a”
    那么 它是偶数

  场景: 失败的场景
    假如 一个数 3
    那么 它是偶数

  场景: 步骤未定义的场景
    假如 一个没有定义的步骤
    那么 它是偶数

  场景: 被跳过的场景
    假如 一个数 4
    那么 它是偶数

  场景大纲: 大纲
    假如 一个数 <数>
    当 记录规则“rule-b”
    那么 它是偶数

    例子:
      | 数 |
      | 10 |
      | 11 |
"""

SAMPLE_CONFTEST = '''
import pytest
from pytest_bdd import given, parsers, then, when

from tests.livingdoc import record_fired

pytest_plugins = ["tests.livingdoc"]


@given(parsers.parse("一个数 {n:d}"), target_fixture="n")
def number(n):
    return n


@when(parsers.parse("记录规则“{rule}”"))
def note_rule(request, rule):
    record_fired(request, [rule])


@then("它是偶数")
def even(n):
    assert n % 2 == 0, f"{n} 是奇数"
'''

ARTICLE = re.compile(r'<article class="scenario (\w+)" id="[^"]+"><h3>[^:<]+: ([^<]+)<')
ROW = re.compile(r'<tr class="(\w+)"><td>([^<]*)</td>')


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          check=False)


def _self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    for remote in ("http://", "https://", "<script", "<link", "@import", "url("):
        assert remote not in html, remote


def test_page_marks_passed_failed_and_not_run(tmp_path: Path) -> None:
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "sample.feature").write_text(SAMPLE_FEATURE, "utf-8")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nbdd_features_base_dir = features/\naddopts = --strict-markers\n", "utf-8")
    (tmp_path / "conftest.py").write_text(SAMPLE_CONFTEST, "utf-8")
    (tmp_path / "test_sample.py").write_text(
        'from pytest_bdd import scenarios\n\nscenarios(".")\n', "utf-8")
    page = tmp_path / "out" / "doc.html"
    proc = _pytest(tmp_path, "-q", "-k", "not 被跳过", f"--living-doc={page}")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # two failures, as planted
    assert "living documentation:" in proc.stdout
    html = page.read_text("utf-8")
    _self_contained(html)
    scenarios = dict((name, status) for status, name in ARTICLE.findall(html))
    assert scenarios == {"通过的场景": "passed", "失败的场景": "failed",
                         "步骤未定义的场景": "failed", "被跳过的场景": "notrun", "大纲": "failed"}
    assert dict((value, status) for status, value in ROW.findall(html)) == {
        "10": "passed", "11": "failed"}
    assert "3 是奇数" in html and "11 是奇数" in html
    assert "step not defined: 假如 一个没有定义的步骤" in html
    assert 'href="#rule-rule-a"' in html and 'href="#rule-rule-b"' in html
    assert "文章 §四" in html
    assert "通过 passed: <b>2</b>" in html and "失败 failed: <b>3</b>" in html
    assert "未运行 not run: <b>1</b>" in html


def test_page_for_the_real_features(tmp_path: Path) -> None:
    page = tmp_path / "living-doc.html"
    proc = _pytest(ROOT, "-q", "tests/test_features.py", "-k", "休息时段",
                   f"--living-doc={page}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = page.read_text("utf-8")
    _self_contained(html)
    rows = dict((value, status) for status, value in ROW.findall(html))
    for time in ("21:59", "22:00", "07:59", "08:00"):
        assert rows[time] == "passed"
    assert rows["13:59"] == "notrun"  # the UTC outline was deselected by -k
    for cite in ("文章 §一", "文章 §四", "文章 §九", "FACTS.md"):
        assert cite in html
    assert 'href="#rule-s6-too-frequent"' in html
    assert 'id="rule-s4-explain-to-collector"' in html  # the index lists every rule
