"""The decision (output) model of contract v1."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from .facts import FactValue
from .vocab import ActionId, Rung


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackInfo(_Out):
    name: str
    version: str
    sha256: str


class Action(_Out):
    """One thing to do, from exactly one rule of the pack."""

    action: ActionId
    rung: Rung
    rule: str
    title: str
    why: str
    steps: list[str]
    channels: list[str]
    evidence: list[str]
    cites: list[str]
    due: date | None = None
    urgent: bool = False
    also_advised_by: list[str] = Field(
        default_factory=list,
        description="other rules that fired for the same action (their reasons are in trace)",
    )


class Advice(_Out):
    """A prevention measure of the article's §八 that fits the case."""

    id: str
    text: str
    cites: list[str]


class FailedCondition(_Out):
    condition: str
    read: dict[str, FactValue | list[str]]


class TraceEntry(_Out):
    """A rule that fired, with the facts it matched; with ``explain``, also one that did not."""

    rule: str
    kind: Literal["rule", "advice"]
    fired: bool
    matched: dict[str, FactValue | list[str]] = Field(default_factory=dict)
    failed: FailedCondition | None = None
    events: list[dict[str, Any]] | None = Field(
        default=None,
        description="only with trace_personal: the case events behind a fired rule, whole "
                    "(numbers and notes included), each with its index in the case's events",
    )

    @model_serializer(mode="wrap")
    def _drop_empty_failed(self, handler: Any) -> Any:
        data = handler(self)
        for optional in ("failed", "events"):
            if data.get(optional) is None:
                data.pop(optional, None)
        return data


class Decision(_Out):
    """What to do next for one case."""

    schema_version: Literal[1] = 1
    case_id: str
    as_of: datetime
    lang: str
    pack: PackInfo
    escalation: Rung
    urgent: bool
    actions: list[Action]
    findings: dict[str, FactValue]
    advice: list[Advice]
    notice: str = ""
    trace: list[TraceEntry]
