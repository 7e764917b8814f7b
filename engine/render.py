"""Render a decision as a readable plan for a person (``--format text``)."""

from __future__ import annotations

from .decision import Decision
from .pack.model import Pack
from .vocab import LADDER

_WORDS = {
    "zh-CN": {
        "header": "升级阶段", "urgent": "紧急", "actions": "建议的行动", "why": "原因",
        "steps": "步骤", "channels": "渠道", "evidence": "留存证据", "due": "期限",
        "cites": "依据", "advice": "预防建议", "none": "目前无需采取升级行动。",
        "findings": "测得的事实", "case": "案例", "as_of": "截至",
        "rungs": {"none": "无需升级", "re_verify": "重新核实", "contact_support": "联系官方客服",
                  "confront_collector": "与催收方交涉", "file_with_regulator": "向监管部门投诉"},
    },
    "en": {
        "header": "Escalation", "urgent": "URGENT", "actions": "What to do", "why": "Why",
        "steps": "Steps", "channels": "Channels", "evidence": "Keep as evidence", "due": "Due",
        "cites": "Based on", "advice": "Prevention", "none": "No escalation is needed now.",
        "findings": "Measured facts", "case": "Case", "as_of": "as of",
        "rungs": {"none": "none", "re_verify": "re-verify", "contact_support": "contact support",
                  "confront_collector": "confront the collector",
                  "file_with_regulator": "file with the regulator"},
    },
}


def render_text(decision: Decision, pack: Pack, findings: bool = False) -> str:
    """A numbered plan: rung, urgent flag, then each action with why, steps and where to go."""
    w = _WORDS.get(decision.lang, _WORDS["en"])
    rungs: dict[str, str] = w["rungs"]  # type: ignore[assignment]
    labels = pack.labels
    lang = decision.lang
    out = [
        f"{w['case']} {decision.case_id} · {w['as_of']} {decision.as_of.isoformat()} · "
        f"{decision.pack.name} {decision.pack.version}",
        f"{w['header']}: {rungs[decision.escalation]} "
        f"({LADDER.index(decision.escalation)}/{len(LADDER) - 1})"
        + (f"  ⚠ {w['urgent']}" if decision.urgent else ""),
        "",
    ]
    if not decision.actions:
        out += [str(w["none"]), ""]
    else:
        out.append(f"{w['actions']}:")
    for n, a in enumerate(decision.actions, 1):
        flag = f" ⚠ {w['urgent']}" if a.urgent else ""
        out.append(f"{n}. [{rungs[a.rung]}] {a.title}{flag}")
        out.append(f"   {w['why']}: {a.why}")
        out.append(f"   {w['steps']}:")
        out += [f"     - {s}" for s in a.steps]
        if a.channels:
            names = [labels.get("channels", {}).get(c, {}).get(lang, c) for c in a.channels]
            out.append(f"   {w['channels']}: " + "; ".join(names))
        if a.due:
            out.append(f"   {w['due']}: {a.due.isoformat()}")
        if a.evidence:
            names = [labels.get("evidence", {}).get(e, {}).get(lang, e) for e in a.evidence]
            out.append(f"   {w['evidence']}: " + "; ".join(names))
        out.append(f"   {w['cites']}: " + "; ".join(a.cites))
        out.append("")
    if decision.advice:
        out.append(f"{w['advice']}:")
        out += [f"- {item.text} ({', '.join(item.cites)})" for item in decision.advice]
        out.append("")
    if findings:
        out.append(f"{w['findings']}:")
        out += [f"  {k} = {v}" for k, v in decision.findings.items()]
        out.append("")
    if decision.notice:
        out.append(decision.notice)
    return "\n".join(out).rstrip() + "\n"
