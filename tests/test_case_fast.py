"""The fast paths of ``parse_case`` against the canonical steps they stand in for.

- JSON text or bytes validated by pydantic in one pass (``_from_json``) against ``json.loads``,
  the limits and python-mode validation (``_validated``);
- the one pass over the event times (``_settle``) against the years check, localisation and
  consistency check one time at a time (``_settle_slowly``).

Same accepted inputs, same ``Case`` values (down to classes, tzinfo classes, fold, the sign of
a zero and the fields set) and the same problems, on generated and hand-picked input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from escalade import DEFAULT_LIMITS, InvalidCase, Limits, parse_case
from escalade.case import _from_json, _settle, _settle_slowly, _validated
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from .conftest import base_case, contact
from .strategies import (
    INVALID_MUTATIONS,
    JUNK,
    broken_bytes,
    get,
    paths,
    put,
    to_bytes,
    valid_cases,
    wrong_type,
)

Raw = Any


def canonical(raw: Raw, limits: Limits = DEFAULT_LIMITS) -> Any:
    """What ``parse_case`` gave before the fast paths: every step the long way."""
    return _settle_slowly(_validated(raw, limits))


def fingerprint(value: Any) -> Any:
    """Everything about a value that a caller could tell apart."""
    if isinstance(value, BaseModel):
        return (type(value), sorted(value.model_fields_set), value.__pydantic_extra__,
                value.__pydantic_private__,
                {k: fingerprint(v) for k, v in value.__dict__.items()})
    if isinstance(value, datetime):
        return (type(value), value.isoformat(), value.fold, type(value.tzinfo),
                repr(value.tzinfo))
    if isinstance(value, list):
        return (list, [fingerprint(v) for v in value])
    return (type(value), repr(value))  # repr tells -0.0 from 0.0


def outcome(parse: Callable[..., Any], raw: Raw, limits: Limits = DEFAULT_LIMITS) -> Any:
    try:
        return "ok", fingerprint(parse(raw, limits=limits) if parse is parse_case
                                 else parse(raw, limits))
    except InvalidCase as exc:
        return "invalid", [str(p) for p in exc.problems]


def assert_same(raw: Raw, limits: Limits = DEFAULT_LIMITS) -> Any:
    """``parse_case`` and the canonical path agree on ``raw``; the common outcome."""
    fast = outcome(parse_case, raw, limits)
    assert fast == outcome(canonical, raw, limits), raw
    return fast


# -- JSON text spelled every way JSON allows ----------------------------------------------------

WHITESPACE = st.sampled_from(["", "", "", " ", "\n", "\t", "\r\n  "])


def spell_string(text: str, style: str) -> str:
    """A JSON string literal for ``text``: raw, ASCII-escaped, every character escaped, "\\/"."""
    if style == "raw":
        return json.dumps(text, ensure_ascii=False)
    if style == "ascii":
        return json.dumps(text)
    if style == "slash":
        return json.dumps(text, ensure_ascii=False).replace("/", "\\/")
    out = []
    for char in text:
        code = ord(char)
        if code > 0xFFFF:  # a surrogate pair
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return '"' + "".join(out) + '"'


@st.composite
def spelled(draw: st.DrawFn, node: Any) -> str:
    """``node`` as JSON text: random whitespace, string escapes, number spellings and, now and
    then, a duplicate key (before or after the real one) or a lone surrogate escape."""
    ws = draw(WHITESPACE)
    if isinstance(node, dict):
        pairs = [f"{draw(spelled(k))}{ws}:{draw(WHITESPACE)}{draw(spelled(v))}"
                 for k, v in node.items()]
        if node and draw(st.integers(0, 9)) == 0:
            key = draw(st.sampled_from(sorted(node)))
            again = node[key] if draw(st.booleans()) else draw(JUNK)
            pairs.insert(draw(st.integers(0, len(pairs))),
                         f"{draw(spelled(key))}:{draw(spelled(again))}")
        return "{" + ws + ("," + ws).join(pairs) + draw(WHITESPACE) + "}"
    if isinstance(node, list):
        return "[" + ws + ("," + ws).join(draw(spelled(v)) for v in node) + "]"
    if isinstance(node, str):
        text = spell_string(node, draw(st.sampled_from(["raw", "ascii", "every", "slash"])))
        if draw(st.integers(0, 49)) == 0:
            at = draw(st.integers(1, len(text) - 1))
            text = text[:at] + draw(st.sampled_from(["\\ud800", "\\udfff", "\\ud83d\\u0041"])) \
                + text[at:]
        return text
    if isinstance(node, bool) or node is None:
        return json.dumps(node)
    if isinstance(node, int):
        return draw(st.sampled_from([str(node), f"{node}.0", f"{node}e0", f"{node}0E-1"]))
    assert isinstance(node, float)
    return draw(st.sampled_from([json.dumps(node), f"{node:.17e}", f"{node:.3e}", repr(node)]))


@given(data=st.data())
def test_valid_text_takes_the_fast_path_to_the_canonical_case(data: st.DataObject) -> None:
    case = data.draw(valid_cases())
    text = json.dumps(case, ensure_ascii=data.draw(st.booleans()),
                      indent=data.draw(st.sampled_from([None, 1])))
    raw = text.encode("utf-8") if data.draw(st.booleans()) else text
    assert _from_json(raw, DEFAULT_LIMITS) is not None
    assert assert_same(raw)[0] == "ok"


@given(data=st.data())
def test_any_spelling_of_the_text_gives_the_canonical_outcome(data: st.DataObject) -> None:
    text = data.draw(spelled(data.draw(valid_cases(max_events=4))))
    assert_same(text.encode("utf-8", "surrogatepass") if data.draw(st.booleans()) else text)


@given(data=st.data())
def test_invalid_and_damaged_text_gives_the_canonical_problems(data: st.DataObject) -> None:
    case = data.draw(valid_cases(max_events=4))
    how = data.draw(st.sampled_from(["bytes", "wrong_type", *range(len(INVALID_MUTATIONS))]))
    if how == "bytes":
        raw = data.draw(broken_bytes(case))
    else:
        mutation = wrong_type if how == "wrong_type" else INVALID_MUTATIONS[int(how)]
        raw = to_bytes(data.draw(mutation(case)))
    assert_same(raw.decode("utf-8", "replace") if data.draw(st.booleans()) else raw)


@given(raw=st.binary(max_size=300) | st.text(max_size=300))
def test_arbitrary_text_gives_the_canonical_outcome(raw: bytes | str) -> None:
    assert_same(raw)


# Every way to write a number (valid JSON or not), in every field that might take one.
NUMBERS = [
    "1", "1.0", "1e0", "10E-1", "0.1e1", "-0", "-0.0", "0", "true", "false", "null", "NaN",
    "Infinity", "-Infinity", "1.0000000000000001", "0.99999999999999999", "1" + "0" * 400,
    "-1" + "0" * 400, "1" + "0" * 5000, "1e400", "1e-400", "2.5", "123456789012345678901234567890",
    str(2**63), str(2**64 + 1), "9007199254740993", "1773000000", "1773000000.123456789",
    "1773014400", "1773014400000", "-1", "1.", ".5", "+1", "01", "1e", "--1", "0x10", "1_000",
    "1.0e0000000000000000000000", "10000000000000000000000e-22", "1e99999999999",
    "0.1e-99999999999", "1773000000e0", "17730000000000e-4",
    '"1"', '"1773000000"', '"2026-03-10"', "[1]", "{}",
]
NUMBER_FIELDS: list[tuple[int | str, ...]] = [
    ("schema_version",), ("arrangement", "agent", "fee_paid_cny"), ("events", 0, "at"),
    ("arrangement", "new_due_date"), ("arrangement", "applied_at"), ("events", 0, "answered"),
    ("case_id",), ("consumer", "contact_details_current"),
]


def test_every_spelling_of_a_number_in_every_field() -> None:
    accepted = set()
    for path in NUMBER_FIELDS:
        case = base_case(events=[contact("2026-03-10T10:00:00+08:00")])
        case["arrangement"]["agent"] = {"fee_paid_cny": 1}
        put(case, path, "@@")
        for number in NUMBERS:
            text = json.dumps(case).replace('"@@"', number)
            if assert_same(text)[0] == "ok":
                accepted.add((path[-1], number))
    # The fast path is exercised on the odd spellings it does accept.
    assert {("schema_version", "1.0"), ("schema_version", "true"), ("fee_paid_cny", "-0.0"),
            ("fee_paid_cny", "1e-400"), ("at", "1773000000.123456789"),
            ("new_due_date", "1773014400"), ("schema_version", "10000000000000000000000e-22"),
            ("at", "17730000000000e-4")} <= accepted


@given(data=st.data())
def test_generated_numbers_agree(data: st.DataObject) -> None:
    decimal = st.from_regex(r"-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,40})?([eE][-+]?[0-9]{1,3})?",
                            fullmatch=True)
    number = data.draw(decimal | st.integers(-(10**330), 10**330).map(str)
                       | st.floats().map(json.dumps))
    path = data.draw(st.sampled_from(NUMBER_FIELDS[:4]))
    case = base_case(events=[contact("2026-03-10T10:00:00+08:00")])
    case["arrangement"]["agent"] = {"fee_paid_cny": 1}
    put(case, path, "@@")
    assert_same(json.dumps(case).replace('"@@"', number))


BASE = json.dumps(base_case(events=[contact("2026-03-10T10:00:00+08:00")]))
EVENT = '{"type": "collector_contact", "at": "2026-03-10T10:00:00+08:00", "channel": "call"'
EDGES = [
    BASE,
    BASE[:-1] + ', "case_id": 5, "case_id": "x"}',  # duplicate keys: the last one counts
    BASE[:-1] + ', "case_id": "x", "case_id": 5}',
    BASE.replace('"type": "collector_contact"', '"type": "sms", "type": "collector_contact"'),
    BASE.replace('"type": "collector_contact"', '"type": "collector_contact", "type": "sms"'),
    BASE.replace('"channel": "call"', '"channel": "call", "channel": "call"'),
    BASE[:-1] + ', "x": 1, "x": 2}',
    BASE + " x", BASE + " \n\t\r", " \n" + BASE, "\ufeff" + BASE, BASE[:-1] + ",}",
    BASE + "\x0b", BASE + "\xa0", "\x0c" + BASE, BASE + "\u2028", BASE + "\x00",
    BASE.replace('"t"', '"a\x01b"'), BASE.replace('"t"', '"a\nb"'), BASE.replace('"t"', '"a\x7f"'),
    BASE.replace('"t"', '"a\\qb"'), BASE.replace('"t"', '"a\\u0000b"'),
    BASE.replace('"t"', '"\\ud800"'), BASE.replace('"t"', '"\\udc00x"'),
    BASE.replace('"t"', '"\\ud83d\\ude00"'), BASE.replace('"t"', '"\\ud83d\\u0041"'),
    BASE.replace('"t"', '"\\uD83D\\uDE00"'), BASE.replace('"t"', '"\ud800"'),
    BASE.replace('"t"', '"\ud83d\ude00"'), BASE.replace('"t"', '"x' + "\\" * 2 + '"'),
    BASE.replace('"Asia/Shanghai"', '"Asia/Shang\\u0000hai"'),
    BASE.replace('"Asia/Shanghai"', '"asia/shanghai"'),
    BASE.replace('"events": [', '"events": [' + "[" * 300 + "]" * 300 + ", "),
    BASE.replace('"events": [', '"events": [' + EVENT + ', "note": "' + "n" * 10_000 + '"}, '),
    BASE.replace('"events": [', '"events": [' + EVENT + ', "note": "' + "n" * 10_001 + '"}, '),
    BASE.replace('"events": [', '"events": [' + EVENT + ', "note": "' + "文" * 10_000 + '"}, '),
    "[" + BASE + "]", "", "  ", "null", "1", '"case"', "{}",
]


@pytest.mark.parametrize("text", EDGES, ids=range(len(EDGES)))
def test_edge_cases_agree_as_text_and_bytes(text: str) -> None:
    assert_same(text)
    assert_same(text.encode("utf-8", "surrogatepass"))


def test_invalid_utf8_agrees() -> None:
    for bad in (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf",
                b"\xe0\x80\xaf", b"\xf4\x90\x80\x80", b"\xc3", b"\xef\xbf\xbf"):
        raw = BASE.encode().replace(b'"t"', b'"' + bad + b'"')
        assert assert_same(raw)[0] == ("ok" if bad == b"\xef\xbf\xbf" else "invalid"), bad


@given(data=st.data())
def test_limits_agree(data: st.DataObject) -> None:
    case = data.draw(valid_cases(max_events=5))
    text = json.dumps(case, ensure_ascii=data.draw(st.booleans()))
    size = len(text.encode("utf-8"))
    limits = Limits(
        max_input_bytes=data.draw(st.sampled_from([size - 1, size, size * 4, 4_000_000])),
        max_events=data.draw(st.integers(1, 6)),
        max_depth=data.draw(st.integers(1, 6)),
        max_string_chars=data.draw(st.sampled_from([5, 30, 9_999, 10_000, 20_000])))
    assert_same(text if data.draw(st.booleans()) else text.encode("utf-8"), limits)


def test_limits_past_which_the_fast_path_stands_aside() -> None:
    text = json.dumps(base_case(events=[contact("2026-03-10T10:00:00+08:00")] * 3))
    assert _from_json(text, DEFAULT_LIMITS) is not None
    for limits in (Limits(max_events=2), Limits(max_depth=3), Limits(max_string_chars=9_999),
                   Limits(max_input_bytes=len(text) - 1),
                   Limits(max_input_bytes=len(text) * 4 - 1)):
        assert _from_json(text, limits) is None, limits
    assert _from_json(text.encode(), Limits(max_input_bytes=len(text))) is not None


# -- times: one pass against one time at a time ------------------------------------------------

ZONES = ["Asia/Shanghai", "UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe",
         "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
# Instants near daylight-saving changes (and near the supported years' ends).
PIVOTS = [datetime(2026, 3, 8, 7, 0), datetime(2026, 11, 1, 6, 0), datetime(2026, 3, 29, 1, 0),
          datetime(2026, 10, 25, 1, 0), datetime(2026, 4, 5, 15, 0), datetime(2026, 6, 1, 0, 0),
          datetime(1900, 1, 2, 0, 0), datetime(2999, 12, 30, 12, 0)]


@st.composite
def stamps(draw: st.DrawFn, pivot: datetime) -> str:
    """A time within a few days of ``pivot`` (read as UTC), naive or with any offset."""
    moment = pivot + timedelta(minutes=draw(st.integers(-4 * 24 * 60, 2 * 24 * 60)))
    how = draw(st.sampled_from(["naive", "Z", "offset", "offset"]))
    if how == "naive":
        return moment.isoformat()
    if how == "Z":
        return moment.isoformat() + "Z"
    minutes = draw(st.integers(-(24 * 60 - 1), 24 * 60 - 1))
    shown = (moment + timedelta(minutes=minutes)).isoformat()
    hours, rest = divmod(abs(minutes), 60)
    return f"{shown}{'+' if minutes >= 0 else '-'}{hours:02}:{rest:02}"


@st.composite
def cases_near_as_of(draw: st.DrawFn) -> dict[str, Any]:
    """Valid-looking cases whose times crowd around ``as_of``: before, at, after, in other
    offsets and naive in zones with daylight saving (where Python compares times of one zone by
    wall clock), now and then outside the supported years."""
    pivot = draw(st.sampled_from(PIVOTS))
    at = stamps(pivot)
    arrangement = base_case()["arrangement"]
    arrangement["applied_at"] = draw(st.none() | at)
    arrangement["approved_at"] = draw(st.none() | at)
    return base_case(
        as_of=draw(at), timezone=draw(st.sampled_from(ZONES)),
        arrangement=draw(st.none() | st.just(arrangement)),
        events=[contact(draw(at)) for _ in range(draw(st.integers(0, 8)))])


@given(case=cases_near_as_of())
def test_times_near_as_of_agree(case: dict[str, Any]) -> None:
    assert_same(case)
    assert_same(json.dumps(case))


class Fixed(tzinfo):
    """A tzinfo class of the caller's (not one the fast pass knows)."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(minutes=self.minutes)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def __repr__(self) -> str:
        return f"Fixed({self.minutes})"

    def __getinitargs__(self) -> tuple[int]:  # for copy and pickle
        return (self.minutes,)


class Moment(datetime):
    """A datetime subclass of the caller's."""


@st.composite
def python_times(draw: st.DrawFn, pivot: datetime) -> datetime:
    """A ``datetime`` object of a caller: any tzinfo, fold, or a subclass."""
    moment = pivot + timedelta(minutes=draw(st.integers(-4 * 24 * 60, 2 * 24 * 60)))
    zone = draw(st.sampled_from(["none", "timezone", "utc", "zoneinfo", "fixed"]))
    minutes = draw(st.integers(-(24 * 60 - 1), 24 * 60 - 1))
    tz: tzinfo | None = {
        "none": None, "utc": timezone.utc, "fixed": Fixed(minutes),
        "timezone": timezone(timedelta(minutes=minutes)),
        "zoneinfo": ZoneInfo(draw(st.sampled_from(ZONES))),
    }[zone]
    moment = moment.replace(tzinfo=tz, fold=draw(st.integers(0, 1)))
    if draw(st.integers(0, 9)) == 0:
        moment = Moment.fromisoformat(moment.isoformat()).replace(tzinfo=tz, fold=moment.fold)
    return moment


@given(data=st.data())
def test_python_datetimes_in_a_dict_agree(data: st.DataObject) -> None:
    case = data.draw(cases_near_as_of())
    pivot = data.draw(st.sampled_from(PIVOTS))
    for path in [p for p in paths(case) if p[-1] in ("as_of", "at", "applied_at", "approved_at")]:
        if get(case, path) is not None and data.draw(st.booleans()):
            put(case, path, data.draw(python_times(pivot)))
    assert_same(case)


def test_settle_is_settle_slowly_on_hand_picked_times() -> None:
    """Times exactly at as_of, a microsecond after, and across a change of offset."""
    ny = "America/New_York"
    for as_of, at, zone in [
        ("2026-03-12T20:00:00+08:00", "2026-03-12T20:00:00+08:00", "Asia/Shanghai"),
        ("2026-03-12T20:00:00+08:00", "2026-03-12T20:00:00.000001+08:00", "Asia/Shanghai"),
        ("2026-03-12T20:00:00+08:00", "2026-03-12T12:00:00.000001Z", "Asia/Shanghai"),
        ("2026-03-12T20:00:00+08:00", "2026-03-13T19:59:00+23:59", "Asia/Shanghai"),
        ("2026-03-12T20:00:00-23:59", "2026-03-14T19:58:00+23:59", "Asia/Shanghai"),
        ("2026-11-01T01:30:00", "2026-11-01T01:30:00", ny),  # in the fold: wall clock
        ("2026-11-01T01:30:00", "2026-11-01T05:31:00Z", ny),
        ("2026-11-01T01:30:00-04:00", "2026-11-01T01:40:00", ny),
        ("2026-03-08T02:30:00", "2026-03-08T02:20:00", ny),  # in the gap
        ("2026-03-08T02:30:00", "2026-03-08T06:45:00Z", ny),
        ("2999-12-31T23:00:00-05:00", "2999-12-31T23:00:00", ny),
        ("1900-01-01T00:00:00+08:00", "1900-01-01T00:00:00", ny),
    ]:
        case = base_case(as_of=as_of, timezone=zone, arrangement=None, events=[contact(at)])
        assert_same(case)


def test_a_naive_time_keeps_its_fold() -> None:
    """The second 01:30 of 1 November 2026 in New York (fold=1) is 06:30 UTC, not 05:30."""
    at = datetime(2026, 11, 1, 1, 30, fold=1)
    case = base_case(as_of="2026-11-01T01:45:00-05:00", timezone="America/New_York",
                     arrangement=None, events=[contact(at), contact(at.replace(fold=0))])
    parsed = parse_case(case)
    assert [e.at.fold for e in parsed.events] == [1, 0]
    assert [e.at.utcoffset() for e in parsed.events] == [timedelta(hours=-5), timedelta(hours=-4)]
    assert_same(case)


def test_fast_pass_serves_plain_times_and_passes_unusual_ones_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import escalade.case as case_module

    slow: list[object] = []

    def spy(case: Any) -> Any:
        slow.append(case)
        return _settle_slowly(case)

    monkeypatch.setattr(case_module, "_settle_slowly", spy)
    plain = base_case(events=[contact("2026-03-10T10:00:00"), contact("2026-03-10T10:00:00Z")])
    assert _settle(_validated(plain, DEFAULT_LIMITS)).events[0].at.tzinfo == ZoneInfo(
        "Asia/Shanghai")
    assert slow == []
    odd = base_case(events=[contact(Moment(2026, 3, 10, 10))])
    _settle(_validated(odd, DEFAULT_LIMITS))
    assert len(slow) == 1
    fixed = base_case(events=[contact(datetime(2026, 3, 10, 10, tzinfo=Fixed(60)))])
    _settle(_validated(fixed, DEFAULT_LIMITS))
    assert len(slow) == 2


def test_out_of_range_and_inconsistent_problems_in_order() -> None:
    case = base_case(as_of="2026-03-12T20:00:00+08:00", events=[
        contact("1899-12-31T23:59:59+08:00"), contact("2026-03-13T10:00:00+08:00"),
        contact("3000-01-01T00:00:00Z")])
    case["arrangement"]["new_due_date"] = "3000-01-01"
    assert assert_same(case)[1] == [
        "arrangement.new_due_date: is outside the supported years 1900-2999",
        "events[0].at: is outside the supported years 1900-2999",
        "events[2].at: is outside the supported years 1900-2999"]
    case = base_case(as_of="2026-03-12T20:00:00", events=[
        contact("2026-03-13T10:00:00+08:00"), contact("2026-03-01T10:00:00"),
        contact("2026-03-12T20:00:01")])
    case["arrangement"]["applied_at"] = "2026-03-12T21:00:00"
    assert assert_same(case)[1] == [
        "arrangement.applied_at: is after as_of", "arrangement.approved_at: is before applied_at",
        "events[0].at: is after as_of", "events[2].at: is after as_of"]


def test_localised_times_are_new_objects_with_the_case_zone() -> None:
    case = base_case(as_of="2026-03-12T20:00:00", timezone="America/New_York",
                     events=[contact("2026-03-08T02:30:00"), contact("2026-03-10T10:00:00Z")])
    for raw in (case, json.dumps(case)):
        parsed = parse_case(raw)
        first, second = (e.at for e in parsed.events)
        assert first.tzinfo is ZoneInfo("America/New_York") and first.fold == 0
        assert second.tzinfo is not None and second.utcoffset() == timedelta(0)
        assert parsed.as_of.tzinfo is ZoneInfo("America/New_York")
        assert {"arrangement", "events"} <= parsed.model_fields_set

