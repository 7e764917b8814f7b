"""The living documentation: one self-contained HTML page from the feature files and the runs.

Every feature (with the section or source it cites), every scenario and every Examples row is
shown with its result: passed, failed (the message and the failing step) or not run; with the
rules each one fired. A closing index lists every rule and advice item of the built-in pack with
the scenarios that exercise it. No scripts, fonts or other resources from anywhere: inline CSS.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .gherkin_files import FeatureDoc, FeatureParseError, ScenarioDoc, StepLine, feature_paths
from .gherkin_files import parse_feature as _parse

if TYPE_CHECKING:
    from .livingdoc import Run

STATUS_LABEL = {"passed": "通过 passed", "failed": "失败 failed", "not run": "未运行 not run"}

CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
 margin:0;color:#1d2330;background:#f6f7f9;line-height:1.5}
header{background:#1d2330;color:#fff;padding:1.2rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.5rem}
main{max-width:70rem;margin:0 auto;padding:1rem 2rem 3rem}
nav ul{columns:2;padding-left:1.2rem}
section.feature{background:#fff;border:1px solid #d8dce3;border-radius:6px;margin:1.5rem 0;
 padding:1rem 1.4rem}
h2{margin:.2rem 0;font-size:1.25rem}
h3{margin:0;font-size:1.05rem}
.desc{white-space:pre-line;color:#3d4556}
.cite{display:inline-block;background:#eef1fb;color:#27408b;border-radius:3px;padding:0 .4rem;
 margin:0 .3rem .2rem 0;font-size:.85rem}
article.scenario{border-left:5px solid #aab2bf;padding:.5rem .9rem;margin:1rem 0;
 background:#fbfbfc}
article.passed{border-color:#2e8540}article.failed{border-color:#c62828}
article.notrun{border-color:#9e9e9e}
.badge{display:inline-block;border-radius:3px;padding:0 .45rem;font-size:.8rem;color:#fff;
 margin-left:.5rem;vertical-align:middle}
.badge.passed{background:#2e8540}.badge.failed{background:#c62828}
.badge.notrun{background:#757575}
ol.steps{list-style:none;padding-left:.5rem;margin:.4rem 0}
ol.steps li{margin:.1rem 0}
.kw{font-weight:bold;color:#6a1b9a;margin-right:.4rem}
.ph{background:#fff3c4;border-radius:2px;padding:0 .15rem}
.where{color:#6b7280;font-size:.8rem;margin-left:.5rem}
pre.why{background:#fdecea;color:#7f1d1d;padding:.4rem .6rem;white-space:pre-wrap;
 font-size:.85rem;margin:.3rem 0}
.rules{font-size:.85rem;color:#3d4556}
.rules a{display:inline-block;background:#e8f5e9;color:#1b5e20;border-radius:3px;
 padding:0 .35rem;margin:0 .25rem .15rem 0;text-decoration:none}
table{border-collapse:collapse;margin:.4rem 0;font-size:.9rem}
th,td{border:1px solid #d8dce3;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#eef0f4}
table.ex td,table.ex th{white-space:nowrap}table.ex td.rf,table.ex td.st{white-space:normal}
pre.why{max-width:42rem}
td.st{min-width:6.5rem}
tr.passed td.st{background:#e8f5e9}tr.failed td.st{background:#fdecea}
tr.notrun td.st{background:#eeeeee}
.summary span{margin-right:1.2rem}
tr.uncovered td{background:#fff3e0}
table.idx td:last-child{min-width:26rem;font-size:.85rem}table.idx code{white-space:nowrap}
"""


@dataclass(frozen=True)
class Result:
    status: str  # passed, failed, not run
    message: str
    step: str
    fired: tuple[str, ...]


NOT_RUN = Result("not run", "", "", ())


@dataclass(frozen=True)
class CatalogueEntry:
    id: str
    kind: str  # rule or advice
    what: str  # action and rung, or "advice"
    title: str
    cites: tuple[str, ...]


def _result(run: Run | None) -> Result:
    if run is None:
        return NOT_RUN
    status = run.outcome if run.outcome in ("passed", "failed") else "not run"
    message = run.message if run.outcome != "passed" else ""
    return Result(status, message, run.step, tuple(run.fired))


def _css_class(status: str) -> str:
    return status.replace(" ", "")


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_-]+", "-", text).strip("-") or "x"


def catalogue() -> list[CatalogueEntry]:
    """The rules and advice items of the built-in pack (empty if the pack cannot be loaded)."""
    try:
        from escalade import load_pack

        pack = load_pack()
    except Exception:  # the page is still useful without the index
        return []
    rules = [CatalogueEntry(r.id, "rule", f"{r.action} → {r.rung}" + (" (urgent)" if r.urgent
                                                                      else ""),
                            r.text["zh-CN"].title if "zh-CN" in r.text else "", r.cites)
             for r in pack.rules]
    advice = [CatalogueEntry(a.id, "advice", "§八 advice", a.text.get("zh-CN", ""), a.cites)
              for a in pack.advice]
    return rules + advice


def _step_html(step: StepLine) -> str:
    text = re.sub(r"&lt;([^&]+?)&gt;", r'<span class="ph">&lt;\1&gt;</span>', escape(step.text))
    return f'<li><span class="kw">{escape(step.keyword)}</span>{text}</li>'


def _rules_html(fired: tuple[str, ...] | list[str]) -> str:
    if not fired:
        return '<span class="rules">—</span>'
    links = "".join(f'<a href="#rule-{_slug(r)}">{escape(r)}</a>' for r in fired)
    return f'<span class="rules">{links}</span>'


def _badge(status: str) -> str:
    return f'<span class="badge {_css_class(status)}">{escape(STATUS_LABEL[status])}</span>'


def _why(result: Result) -> str:
    if result.status == "passed" or not (result.message or result.step):
        return ""
    parts = [p for p in (result.step, result.message) if p]
    return f'<pre class="why">{escape(chr(10).join(parts))}</pre>'


def _combined(results: list[Result]) -> str:
    statuses = {r.status for r in results}
    if "failed" in statuses:
        return "failed"
    return "passed" if statuses == {"passed"} else "not run"


def _scenario_html(feature: FeatureDoc, sc: ScenarioDoc, results: dict[int | None, Result],
                   anchor: str) -> tuple[str, list[Result]]:
    where = f"{feature.rel}:{sc.line}"
    rule_line = f'<p class="where">规则 Rule: {escape(sc.rule)}</p>' if sc.rule else ""
    steps = "".join(_step_html(s) for s in sc.steps)
    if not sc.examples:
        res = results.get(None, NOT_RUN)
        body = (f'<ol class="steps">{steps}</ol>{_why(res)}'
                f'<div>触发的规则 rules fired: {_rules_html(res.fired)}</div>')
        row_results = [res]
    else:
        row_results = []
        tables = []
        for table in sc.examples:
            head = "".join(f"<th>{escape(h)}</th>" for h in table.header)
            rows = []
            for row in table.rows:
                res = results.get(row.index, NOT_RUN)
                row_results.append(res)
                cells = "".join(f"<td>{escape(v)}</td>" for v in row.values)
                why = _why(res)
                rows.append(
                    f'<tr class="{_css_class(res.status)}">{cells}'
                    f'<td class="st">{escape(STATUS_LABEL[res.status])}{why}</td>'
                    f'<td class="rf">{_rules_html(res.fired)}</td></tr>')
            title = f" {escape(table.name)}" if table.name else ""
            tables.append(f"<p><b>例子 Examples</b>{title}</p><table class='ex'><tr>{head}"
                          "<th>结果 result</th><th>触发的规则 rules fired</th></tr>"
                          f"{''.join(rows)}</table>")
        body = f'<ol class="steps">{steps}</ol>{"".join(tables)}'
    status = _combined(row_results)
    desc = f'<p class="desc">{escape(sc.description)}</p>' if sc.description else ""
    html = (f'<article class="scenario {_css_class(status)}" id="{anchor}">'
            f'<h3>{escape(sc.keyword)}: {escape(sc.name)}{_badge(status)}'
            f'<span class="where">{escape(where)}</span></h3>{rule_line}{desc}{body}</article>')
    return html, row_results


def render(base: Path, runs: list[Run]) -> str:
    """The whole page for the features under ``base`` and the recorded ``runs``."""
    by_scenario: dict[tuple[str, int], dict[int | None, Result]] = defaultdict(dict)
    for run in runs:
        by_scenario[(run.feature, run.line)][run.row] = _result(run)
    sections: list[str] = []
    toc: list[str] = []
    totals: dict[str, int] = {"passed": 0, "failed": 0, "not run": 0}
    exercised: dict[str, list[tuple[str, str]]] = defaultdict(list)  # rule -> (anchor, name)
    for path in feature_paths(base):
        rel = path.relative_to(base).as_posix()
        fid = f"f-{_slug(rel)}"
        try:
            feature = _parse(path, base)
        except FeatureParseError as exc:
            totals["failed"] += 1
            toc.append(f'<li><a href="#{fid}">{escape(rel)}</a> {_badge("failed")}</li>')
            sections.append(f'<section class="feature" id="{fid}"><h2>{escape(rel)}'
                            f'{_badge("failed")}</h2><pre class="why">{escape(str(exc))}</pre>'
                            "</section>")
            continue
        scenario_html: list[str] = []
        feature_results: list[Result] = []
        for sc in feature.scenarios:
            anchor = f"{fid}-L{sc.line}"
            html, results = _scenario_html(feature, sc, by_scenario.get((rel, sc.line), {}),
                                           anchor)
            scenario_html.append(html)
            feature_results.extend(results)
            for rule in sorted({r for res in results for r in res.fired}):
                exercised[rule].append((anchor, f"{feature.name} / {sc.name}"))
        for res in feature_results:
            totals[res.status] += 1
        status = _combined(feature_results)
        counts = {s: sum(1 for r in feature_results if r.status == s) for s in totals}
        toc.append(f'<li><a href="#{fid}">{escape(feature.name)}</a> {_badge(status)} '
                   f'<span class="where">{counts["passed"]}/{len(feature_results)}</span></li>')
        cites = "".join(f'<span class="cite">{escape(c)}</span>' for c in feature.citations)
        background = ""
        if feature.background:
            steps = "".join(_step_html(s) for s in feature.background)
            background = f'<p><b>背景 Background</b></p><ol class="steps">{steps}</ol>'
        sections.append(
            f'<section class="feature" id="{fid}"><h2>功能: {escape(feature.name)}'
            f'{_badge(status)}</h2><div>出处 cites: {cites or "—"}'
            f'<span class="where">{escape(feature.rel)}</span></div>'
            f'<p class="desc">{escape(feature.description)}</p>{background}'
            f'{"".join(scenario_html)}</section>')
    index = _index_html(catalogue(), exercised)
    total = sum(totals.values())
    summary = (f'<p class="summary"><span>场景运行 scenario runs: <b>{total}</b></span>'
               f'<span>通过 passed: <b>{totals["passed"]}</b></span>'
               f'<span>失败 failed: <b>{totals["failed"]}</b></span>'
               f'<span>未运行 not run: <b>{totals["not run"]}</b></span></p>')
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>escalade 活文档 · living documentation</title>"
        f"<style>{CSS}</style></head><body><header><h1>escalade 活文档 · living documentation"
        "</h1><div>功能文件与测试结果：每个场景和每一行例子 — the feature files joined with the "
        f"test results</div></header><main>{summary}<nav><h2>目录 Features</h2><ul>"
        f'{"".join(toc)}</ul></nav>{"".join(sections)}{index}</main></body></html>\n'
    )


def _index_html(entries: list[CatalogueEntry],
                exercised: dict[str, list[tuple[str, str]]]) -> str:
    if not entries:
        return ""
    rows = []
    for e in entries:
        scenarios = exercised.get(e.id, [])
        links = "<br>".join(f'<a href="#{a}">{escape(n)}</a>' for a, n in scenarios) or \
            "<b>没有场景 no scenario</b>"
        cls = "" if scenarios else ' class="uncovered"'
        rows.append(f'<tr{cls} id="rule-{_slug(e.id)}"><td><code>{escape(e.id)}</code></td>'
                    f"<td>{escape(e.kind)}</td><td>{escape(e.what)}</td><td>{escape(e.title)}"
                    f"</td><td>{escape('; '.join(e.cites))}</td><td>{len(scenarios)}</td>"
                    f"<td>{links}</td></tr>")
    return ('<section class="feature" id="rules"><h2>规则索引 Rules of the pack</h2>'
            "<table class='idx'><tr><th>id</th><th>kind</th><th>does</th><th>title</th>"
            "<th>cites</th>"
            "<th>#</th><th>场景 scenarios</th></tr>" + "".join(rows) + "</table></section>")
