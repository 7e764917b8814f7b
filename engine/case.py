"""The case (input) model of contract v1, and turning raw input into a validated case."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from itertools import compress, count
from operator import attrgetter
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic_core
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)

from .errors import CaseProblem, InvalidCase
from .limits import DEFAULT_LIMITS, Limits, data_problems, text_problems
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

NOTE_MAX_CHARS = 10_000  # the longest string a valid case can hold (every other one is shorter)
VALID_CASE_DEPTH = 4  # a valid case nests at most this deep (case > events > event > conduct)
Note = Annotated[str, Field(max_length=NOTE_MAX_CHARS)]


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


def parse_case(raw: bytes | str | dict[str, Any], *, limits: Limits | None = None) -> Case:
    """Validate raw input (JSON text or bytes, or an already-decoded dict) into a ``Case``.

    ``limits`` bound the input's size, events, nesting and strings (default ``DEFAULT_LIMITS``).
    Raises ``InvalidCase`` listing every problem by JSON path; nothing else escapes.
    """
    limits = limits or DEFAULT_LIMITS
    case = _from_json(raw, limits)
    return _settle(case if case is not None else _validated(raw, limits))


def _from_json(raw: object, limits: Limits) -> Case | None:
    """JSON text or bytes validated by pydantic in one pass (no ``json.loads``), when it is valid.

    ``None`` when the input is not text, is refused or might be refused: then ``_validated``
    decides, and every rejection keeps its own message. Whatever this accepts ``_validated``
    accepts as the same ``Case`` (pydantic's JSON mode and ``json.loads`` + python mode agree
    on every value a valid case can hold; tests/test_case_fast.py checks it): the limits hold
    because a valid case is within them (it nests 4 deep, its strings are at most 10,000
    characters), except for the size, the number of events and limits tighter than the
    schema, which are checked here.
    """
    if not isinstance(raw, (str, bytes)) or limits.max_string_chars < NOTE_MAX_CHARS \
            or limits.max_depth < VALID_CASE_DEPTH:
        return None
    if len(raw) * (4 if isinstance(raw, str) else 1) > limits.max_input_bytes:
        return None  # too big, or a long text whose UTF-8 size is not known yet
    try:
        case = Case.model_validate_json(raw)
    except ValueError:  # a ValidationError (JSON syntax included), or text that is not UTF-8
        return None
    return case if len(case.events) <= limits.max_events else None


def _validated(raw: bytes | str | dict[str, Any], limits: Limits) -> Case:
    """The canonical path: decode, check the limits, validate (times as given)."""
    data = _decode(raw, limits)
    if not isinstance(data, dict):
        raise InvalidCase([CaseProblem("", f"a case must be a JSON object, not {json_kind(data)}")])
    too_big = data_problems(data, limits, walk=False)  # the number of events, before anything
    if too_big:
        raise InvalidCase(too_big)
    # Depth and string lengths: a case that validates is within the schema's own bounds, so the
    # walk over the whole input (as costly as validating it) is needed first only when the
    # limits are tighter than those bounds, and otherwise only when validation fails (then the
    # input may be abusive, and the limits are reported rather than anything that echoes it).
    walk = not (isinstance(raw, (str, bytes)) and len(raw) <= limits.max_string_chars)
    if limits.max_string_chars < NOTE_MAX_CHARS or limits.max_depth < VALID_CASE_DEPTH:
        too_big = data_problems(data, limits, walk=walk)
        if too_big:
            raise InvalidCase(too_big)
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        too_big = data_problems(data, limits, walk=walk)
        if too_big:
            raise InvalidCase(too_big) from None
        raise InvalidCase([_problem(e) for e in exc.errors()]) from None


def _decode(raw: bytes | str | dict[str, Any], limits: Limits) -> Any:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, bytes):
        if len(raw) > limits.max_input_bytes:
            raise InvalidCase(text_problems("", len(raw), limits))
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidCase(
                [CaseProblem("", f"input is not UTF-8 text (byte {exc.start})")]
            ) from None
        size = len(raw)
    elif isinstance(raw, str):
        size = len(raw) if len(raw) * 4 <= limits.max_input_bytes else len(
            raw.encode("utf-8", "surrogatepass"))
    else:
        raise InvalidCase([CaseProblem("", f"a case is JSON text, bytes or a dict, not "
                                           f"{type(raw).__name__}")])
    if not raw.strip():
        raise InvalidCase([CaseProblem("", "input is empty; expected a JSON object")])
    too_big = text_problems(raw, size, limits)
    if too_big:
        raise InvalidCase(too_big)
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidCase(
            [CaseProblem("", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")]
        ) from None
    except RecursionError:
        raise InvalidCase([CaseProblem("", "JSON is nested too deeply")]) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise InvalidCase([CaseProblem("", f"not valid JSON: {_one_line(str(exc))}")]) from None


def json_kind(value: Any) -> str:
    """How a decoded JSON value is named in messages ("an array", "a string", ...)."""
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def json_path(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as a JSON path: ``events[3].channel``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(str(part)):
            out += f".{part}" if out else str(part)
        else:  # a key that would not read as one (dots, spaces, newlines, very long)
            out += f"[{_one_line(json.dumps(str(part), ensure_ascii=False), 60)}]"
    return out


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_$-]{1,64}")


def _one_line(text: str, limit: int = 200) -> str:
    """``text`` on one line (control characters escaped), cut to about ``limit`` characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def _short(value: Any) -> str:
    return _one_line(repr(value), 80)


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
        message = f"{_short(error['input'])} is not one of: {error['ctx']['expected']}"
    elif error["type"] == "union_tag_invalid":
        message = f"unknown event type {_short(error['input'].get('type'))}; expected one of: " \
            f"{error['ctx']['expected_tags']}" if isinstance(error["input"], dict) else message
    return CaseProblem(json_path(loc), _one_line(message, 500))


EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)

_OUT_OF_RANGE = f"is outside the supported years {EARLIEST.year}-{LATEST.year}"
_AFTER_AS_OF = "is after as_of"
# Classes of tzinfo whose utcoffset() is a plain lookup (no side effect, never fails, always
# within the +-24 h Python requires): the fast pass in ``_settle`` takes times with these only.
_PLAIN_TZ: frozenset[type] = frozenset(
    t for t in (type(None), timezone, ZoneInfo, getattr(pydantic_core, "TzInfo", None))
    if isinstance(t, type))
_at = attrgetter("at")
_tzinfo = attrgetter("tzinfo")
_day_number = datetime.toordinal  # of the local (wall clock) date, which _out_of_range reads
_FIRST_DAY, _LAST_DAY = EARLIEST.toordinal(), LATEST.toordinal()


def _settle(case: Case) -> Case:
    """Years checked, naive times read in the case's zone, times checked against ``as_of``.

    The same result and problems as ``_out_of_range``, ``_localise`` and ``_inconsistencies`` in
    turn (``_settle_slowly``), which it falls back to when an event time is not a plain
    ``datetime`` with a known tzinfo class. The event times are read once, and compared by
    their local dates (no tzinfo call): for the years, and for ``as_of`` wherever the date
    alone decides, which is all but about the last two days (see ``_last_day_before``).
    """
    events = case.events
    times = list(map(_at, events))
    zones = list(map(_tzinfo, times))
    zone_types = set(map(type, zones))
    if not set(map(type, times)) <= {datetime} or not zone_types <= _PLAIN_TZ:
        return _settle_slowly(case)
    days = list(map(_day_number, times))

    problems = _out_of_range(case, with_events=False)
    if days and (min(days) < _FIRST_DAY or max(days) > _LAST_DAY):
        problems += [CaseProblem(f"events[{i}].at", _OUT_OF_RANGE)
                     for i, day in enumerate(days) if not _FIRST_DAY <= day <= _LAST_DAY]
    if problems:
        raise InvalidCase(problems)

    if type(None) in zone_types:  # read naive times in the case's zone, as _localise does
        tz, combine = case.tz, datetime.combine
        events = [e if zone is not None else e.model_copy(
                      update={"at": combine(at, at.time(), tz)})  # = at.replace(tzinfo=tz)
                  for e, at, zone in zip(events, times, zones, strict=True)]
    else:
        events = list(events)  # a new list, as _localise gives
    case = _localise(case, events)

    problems = _inconsistencies(case, with_events=False)
    now = case.as_of
    last = _last_day_before(now)
    maybe_after = range(len(days)) if last is None else compress(count(), map(last.__lt__, days))
    problems += [CaseProblem(f"events[{i}].at", _AFTER_AS_OF)
                 for i in maybe_after if events[i].at > now]
    if problems:
        raise InvalidCase(problems)
    return case


def _last_day_before(now: datetime) -> int | None:
    """A day number such that no time (with a tzinfo of ``_PLAIN_TZ``) whose local date is on
    or before that day is after ``now``; ``None`` when ``now`` is not itself such a time.

    Such a time is before the midnight that ends its date, and its UTC offset is under 24
    hours, so it is before midnight UTC two days after its date: on or before the day on which
    ``now`` falls in UTC. That holds whether Python compares the two by UTC instant (different
    tzinfo objects) or by wall clock (the same tzinfo object: ``now`` is then more than 24
    hours past that midnight by its own clock too).
    """
    if type(now) is not datetime or now.tzinfo is None or type(now.tzinfo) not in _PLAIN_TZ:
        return None
    offset = now.utcoffset()
    assert offset is not None
    return (now.replace(tzinfo=None) - offset).toordinal() - 2


def _settle_slowly(case: Case) -> Case:
    """``_settle``, one step and one time at a time (the definition; also for unusual times)."""
    problems = _out_of_range(case)
    if problems:
        raise InvalidCase(problems)
    case = _localise(case)
    problems = _inconsistencies(case)
    if problems:
        raise InvalidCase(problems)
    return case


def _out_of_range(case: Case, *, with_events: bool = True) -> list[CaseProblem]:
    """Times and dates outside years 1900-2999 (which also keeps every date sum in range)."""
    found: list[tuple[str, date | datetime | None]] = [("as_of", case.as_of)]
    a = case.arrangement
    if a is not None:
        found += [("arrangement.applied_at", a.applied_at),
                  ("arrangement.approved_at", a.approved_at),
                  ("arrangement.new_due_date", a.new_due_date)]
    if with_events:
        found += [(f"events[{i}].at", e.at) for i, e in enumerate(case.events)]
    return [CaseProblem(path, _OUT_OF_RANGE)
            for path, value in found
            if value is not None and not EARLIEST <= _day(value) <= LATEST]


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _localise(case: Case, events: list[Event] | None = None) -> Case:
    """Read naive times in the case's time zone, so every later comparison is well defined.

    ``events``: the events with their times read already (``_settle`` does it faster).
    """
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
    if events is None:
        events = [e.model_copy(update={"at": fix(e.at)}) if e.at.tzinfo is None else e
                  for e in case.events]
    return case.model_copy(
        update={"as_of": fix(case.as_of), "arrangement": arrangement, "events": events}
    )


def _naive(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is None


def _inconsistencies(case: Case, *, with_events: bool = True) -> list[CaseProblem]:
    problems: list[CaseProblem] = []
    now = case.as_of
    a = case.arrangement
    if a is not None:
        for name in ("applied_at", "approved_at"):
            value = getattr(a, name)
            if value is not None and value > now:
                problems.append(CaseProblem(f"arrangement.{name}", _AFTER_AS_OF))
        if a.applied_at and a.approved_at and a.approved_at < a.applied_at:
            problems.append(CaseProblem("arrangement.approved_at", "is before applied_at"))
    if with_events:
        for i, event in enumerate(case.events):
            if event.at > now:
                problems.append(CaseProblem(f"events[{i}].at", _AFTER_AS_OF))
    return problems


def utc(value: datetime) -> datetime:
    """The same instant in UTC."""
    return value.astimezone(timezone.utc)
