"""The case (input) model of contract v1, and turning raw input into a validated case."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)

from .errors import CaseProblem, InvalidCase
from .vocab import (
    AgentAsk,
    ArrangedBy,
    ArrangementKind,
    ArrangementStatus,
    CheckResult,
    CheckVia,
    Collector,
    ComplaintTo,
    Conduct,
    ContactChannel,
    DocumentKind,
    EvidenceKind,
    SupportChannel,
    SupportOutcome,
)

Note = Annotated[str, Field(max_length=10_000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Lax(BaseModel):
    """Strict about shapes, but times and dates may be ISO strings (JSON has no time type)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Consumer(_Strict):
    contact_details_current: StrictBool | None = None
    evidence_kept: list[EvidenceKind] = Field(default_factory=list)


class Agent(_Strict):
    fee_paid_cny: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    asked_for: list[AgentAsk] = Field(default_factory=list)
    told_not_to_pay_lender: StrictBool = False


class _Event(_Lax):
    at: datetime
    note: Note | None = None


class CollectorContact(_Event):
    type: Literal["collector_contact"]
    channel: ContactChannel
    answered: StrictBool = True
    by: Collector = "unknown"
    number: Annotated[str, Field(max_length=64)] | None = None
    conduct: list[Conduct] = Field(default_factory=list)


class ArrangementCheck(_Event):
    type: Literal["arrangement_check"]
    via: CheckVia
    result: CheckResult


class SupportContact(_Event):
    type: Literal["support_contact"]
    channel: SupportChannel
    outcome: SupportOutcome
    reference: Annotated[str, Field(max_length=128)] | None = None


class ContactDetailsUpdated(_Event):
    type: Literal["contact_details_updated"]


class CollectorInformed(_Event):
    type: Literal["collector_informed"]
    channel: ContactChannel
    proof_provided: StrictBool = False


class BasisRequested(_Event):
    type: Literal["basis_requested"]
    answered: StrictBool = False


class ComplaintFiled(_Event):
    type: Literal["complaint_filed"]
    to: ComplaintTo
    reference: Annotated[str, Field(max_length=128)] | None = None


class ComplaintAnswered(_Event):
    type: Literal["complaint_answered"]
    to: ComplaintTo
    resolved: StrictBool


Event = Annotated[
    CollectorContact
    | ArrangementCheck
    | SupportContact
    | ContactDetailsUpdated
    | CollectorInformed
    | BasisRequested
    | ComplaintFiled
    | ComplaintAnswered,
    Field(discriminator="type"),
]


class Arrangement(_Lax):
    kind: ArrangementKind
    arranged_by: ArrangedBy
    status: ArrangementStatus
    applied_at: datetime | None = None
    approved_at: datetime | None = None
    new_due_date: date | None = None
    documents: list[DocumentKind] = Field(default_factory=list)
    agent: Agent | None = None


class Case(_Lax):
    """A validated case. Times are timezone-aware (naive input is read in ``timezone``)."""

    schema_version: Literal[1]
    case_id: Annotated[str, Field(min_length=1, max_length=128)]
    as_of: datetime
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "Asia/Shanghai"
    product: Literal["huabei"]
    consumer: Consumer = Field(default_factory=Consumer)
    arrangement: Arrangement | None = None
    events: list[Event] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def parse_case(raw: bytes | str | dict[str, Any]) -> Case:
    """Validate raw input (JSON text or bytes, or an already-decoded dict) into a ``Case``.

    Raises ``InvalidCase`` listing every problem by JSON path; nothing else escapes.
    """
    data = _decode(raw)
    if not isinstance(data, dict):
        raise InvalidCase([CaseProblem("", f"a case must be a JSON object, not {_kind(data)}")])
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise InvalidCase([_problem(e) for e in exc.errors()]) from None
    case = _localise(case)
    problems = _inconsistencies(case)
    if problems:
        raise InvalidCase(problems)
    return case


def _decode(raw: bytes | str | dict[str, Any]) -> Any:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidCase(
                [CaseProblem("", f"input is not UTF-8 text (byte {exc.start})")]
            ) from None
    if not raw.strip():
        raise InvalidCase([CaseProblem("", "input is empty; expected a JSON object")])
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidCase(
            [CaseProblem("", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")]
        ) from None
    except RecursionError:
        raise InvalidCase([CaseProblem("", "JSON is nested too deeply")]) from None


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def json_path(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as a JSON path: ``events[3].channel``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _problem(error: Any) -> CaseProblem:
    loc = tuple(error["loc"])
    # Drop the discriminator tag pydantic inserts into union locations (events[0].call.at).
    if len(loc) >= 3 and loc[0] == "events" and isinstance(loc[2], str) and "_" in loc[2]:
        event_types = {"collector_contact", "arrangement_check", "support_contact",
                       "contact_details_updated", "collector_informed", "basis_requested",
                       "complaint_filed", "complaint_answered"}
        if loc[2] in event_types:
            loc = loc[:2] + loc[3:]
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = "unknown field (not in contract v1)"
    elif error["type"] == "literal_error" and "input" in error:
        message = f"{error['input']!r} is not one of: {error['ctx']['expected']}"
    elif error["type"] == "union_tag_invalid":
        message = f"unknown event type {error['input'].get('type')!r}; expected one of: " \
            f"{error['ctx']['expected_tags']}" if isinstance(error["input"], dict) else message
    return CaseProblem(json_path(loc), message)


def _localise(case: Case) -> Case:
    """Read naive times in the case's time zone, so every later comparison is well defined."""
    tz = case.tz

    def fix(value: datetime | None) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=tz)

    # Copy only what holds a naive time (copying every event dominated validation).
    arrangement = case.arrangement
    if arrangement is not None and (_naive(arrangement.applied_at)
                                    or _naive(arrangement.approved_at)):
        arrangement = arrangement.model_copy(
            update={"applied_at": fix(arrangement.applied_at),
                    "approved_at": fix(arrangement.approved_at)}
        )
    events = [e.model_copy(update={"at": fix(e.at)}) if e.at.tzinfo is None else e
              for e in case.events]
    return case.model_copy(
        update={"as_of": fix(case.as_of), "arrangement": arrangement, "events": events}
    )


def _naive(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is None


def _inconsistencies(case: Case) -> list[CaseProblem]:
    problems: list[CaseProblem] = []
    now = case.as_of
    a = case.arrangement
    if a is not None:
        for name in ("applied_at", "approved_at"):
            value = getattr(a, name)
            if value is not None and value > now:
                problems.append(CaseProblem(f"arrangement.{name}", "is after as_of"))
        if a.applied_at and a.approved_at and a.approved_at < a.applied_at:
            problems.append(CaseProblem("arrangement.approved_at", "is before applied_at"))
    for i, event in enumerate(case.events):
        if event.at > now:
            problems.append(CaseProblem(f"events[{i}].at", "is after as_of"))
    return problems


def utc(value: datetime) -> datetime:
    """The same instant in UTC."""
    return value.astimezone(timezone.utc)
