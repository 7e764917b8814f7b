"""Hypothesis strategies: valid cases built from the contract's vocabularies, and mutations of
them into invalid input of every kind the issue lists."""

from __future__ import annotations

import copy
import json
import os
from datetime import datetime, timedelta
from typing import Any, get_args

from escalade import vocab
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Modest example counts keep the suite fast; HYPOTHESIS_PROFILE=deep digs further by hand.
settings.register_profile("ci", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

Case = dict[str, Any]


def enum(literal: Any) -> st.SearchStrategy[str]:
    return st.sampled_from(get_args(literal))


def some(literal: Any) -> st.SearchStrategy[list[str]]:
    return st.lists(enum(literal), max_size=3, unique=True)


OFFSETS = ["", "+08:00", "Z", "-05:00", "+05:45"]


def stamp(moment: datetime, offset: str) -> str:
    return moment.isoformat(timespec="seconds") + offset


@st.composite
def when(draw: st.DrawFn, before: datetime) -> str:
    """A time up to 60 days before ``before`` (with an offset no later than it, or naive)."""
    moment = before - timedelta(minutes=draw(st.integers(24 * 60, 60 * 24 * 60)))
    return stamp(moment, draw(st.sampled_from(OFFSETS)))


NOTES = st.none() | st.text(max_size=40)
NUMBERS = st.none() | st.from_regex(r"\+?[0-9 -]{3,20}", fullmatch=True)
REFERENCES = st.none() | st.text(min_size=1, max_size=20)


def events(before: datetime) -> st.SearchStrategy[dict[str, Any]]:
    at = when(before)
    return st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("collector_contact"), "at": at,
             "channel": enum(vocab.ContactChannel)},
            optional={"answered": st.booleans(), "by": enum(vocab.Collector),
                      "number": NUMBERS, "conduct": some(vocab.Conduct), "note": NOTES}),
        st.fixed_dictionaries(
            {"type": st.just("arrangement_check"), "at": at, "via": enum(vocab.CheckVia),
             "result": enum(vocab.CheckResult)}),
        st.fixed_dictionaries(
            {"type": st.just("support_contact"), "at": at,
             "channel": enum(vocab.SupportChannel), "outcome": enum(vocab.SupportOutcome)},
            optional={"reference": REFERENCES}),
        st.fixed_dictionaries({"type": st.just("contact_details_updated"), "at": at}),
        st.fixed_dictionaries(
            {"type": st.just("collector_informed"), "at": at,
             "channel": enum(vocab.ContactChannel)},
            optional={"proof_provided": st.booleans()}),
        st.fixed_dictionaries({"type": st.just("basis_requested"), "at": at},
                              optional={"answered": st.booleans()}),
        st.fixed_dictionaries(
            {"type": st.just("complaint_filed"), "at": at, "to": enum(vocab.ComplaintTo)},
            optional={"reference": REFERENCES}),
        st.fixed_dictionaries(
            {"type": st.just("complaint_answered"), "at": at, "to": enum(vocab.ComplaintTo),
             "resolved": st.booleans()}),
    )


@st.composite
def arrangements(draw: st.DrawFn, as_of: datetime) -> dict[str, Any] | None:
    if draw(st.booleans()) and draw(st.booleans()):
        return None
    out: dict[str, Any] = {
        "kind": draw(enum(vocab.ArrangementKind)),
        "arranged_by": draw(enum(vocab.ArrangedBy)),
        "status": draw(enum(vocab.ArrangementStatus)),
    }
    applied = as_of - timedelta(days=draw(st.integers(2, 90)))
    if draw(st.booleans()):
        out["applied_at"] = stamp(applied, "+08:00")
        if draw(st.booleans()):
            out["approved_at"] = stamp(applied + timedelta(hours=draw(st.integers(0, 24))),
                                       "+08:00")
    if draw(st.booleans()):
        out["new_due_date"] = (as_of + timedelta(days=draw(st.integers(-30, 90)))).date() \
            .isoformat()
    out["documents"] = draw(some(vocab.DocumentKind))
    if draw(st.booleans()):
        out["agent"] = draw(st.none() | st.fixed_dictionaries({}, optional={
            "fee_paid_cny": st.none() | st.floats(0, 1e6) | st.integers(0, 10**6),
            "asked_for": some(vocab.AgentAsk),
            "told_not_to_pay_lender": st.booleans()}))
    return out


@st.composite
def valid_cases(draw: st.DrawFn, max_events: int = 12) -> Case:
    """A case that contract v1 accepts: every enum from ``escalade.vocab``, consistent times."""
    as_of = draw(st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31)))
    case: Case = {
        "schema_version": 1,
        "case_id": draw(st.text(min_size=1, max_size=30)),
        "as_of": stamp(as_of, "+08:00"),
        "product": "huabei",
    }
    if draw(st.booleans()):
        case["timezone"] = draw(st.sampled_from(["Asia/Shanghai", "UTC", "Asia/Kathmandu",
                                                 "America/New_York"]))
    if draw(st.booleans()):
        case["consumer"] = draw(st.fixed_dictionaries({}, optional={
            "contact_details_current": st.none() | st.booleans(),
            "evidence_kept": some(vocab.EvidenceKind)}))
    if draw(st.booleans()):
        case["arrangement"] = draw(arrangements(as_of))
    case["events"] = draw(st.lists(events(as_of), max_size=max_events))
    return case


# -- mutations ----------------------------------------------------------------------------------

Path = tuple[int | str, ...]


def paths(node: Any, at: Path = ()) -> list[Path]:
    """Every path to a value inside ``node``."""
    out: list[Path] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()
    for key, value in items:
        out.append((*at, key))
        out += paths(value, (*at, key))
    return out


def containers(node: Any, at: Path = ()) -> list[Path]:
    """Every path to an object (dict) inside ``node``, the root included."""
    return [p for p in [at, *paths(node, at)] if isinstance(get(node, p), dict)]


def get(node: Any, path: Path) -> Any:
    for key in path:
        node = node[key]
    return node


def put(node: Any, path: Path, value: Any) -> None:
    get(node, path[:-1])[path[-1]] = value


JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=2))
ENUM_FIELDS = {"product", "kind", "arranged_by", "status", "channel", "by", "via", "result",
               "outcome", "to", "type"}
REQUIRED = {"schema_version", "case_id", "as_of", "product", "kind", "arranged_by", "status",
            "type", "at", "channel", "via", "result", "outcome", "to", "resolved"}


@st.composite
def wrong_type(draw: st.DrawFn, case: Case) -> Case:
    """Any value replaced with any JSON value: may happen to be valid, so either outcome."""
    out = copy.deepcopy(case)
    put(out, draw(st.sampled_from(paths(out))), draw(JUNK))
    return out


@st.composite
def unknown_field(draw: st.DrawFn, case: Case) -> Case:
    out = copy.deepcopy(case)
    where = get(out, draw(st.sampled_from(containers(out))))
    where["x-" + draw(st.text(max_size=30))] = draw(JUNK)  # never a contract field
    return out


@st.composite
def unknown_enum(draw: st.DrawFn, case: Case) -> Case:
    out = copy.deepcopy(case)
    choices = [p for p in paths(out) if p[-1] in ENUM_FIELDS and isinstance(get(out, p), str)]
    choices += [p for p in paths(out) if isinstance(p[-1], int) and len(p) >= 2
                and p[-2] in ("conduct", "evidence_kept", "documents", "asked_for")]
    path = draw(st.sampled_from(choices))
    put(out, path, "zz-" + draw(st.text(max_size=10)))
    return out


@st.composite
def missing_field(draw: st.DrawFn, case: Case) -> Case:
    out = copy.deepcopy(case)
    path = draw(st.sampled_from([p for p in paths(out) if p[-1] in REQUIRED]))
    del get(out, path[:-1])[path[-1]]
    return out


@st.composite
def inconsistent_time(draw: st.DrawFn, case: Case) -> Case:
    out = copy.deepcopy(case)
    as_of = datetime.fromisoformat(out["as_of"])
    later = stamp((as_of + timedelta(days=draw(st.integers(1, 400)))).replace(tzinfo=None),
                  "+08:00")
    if out["events"] and draw(st.booleans()):
        out["events"][draw(st.integers(0, len(out["events"]) - 1))]["at"] = later
    elif out.get("arrangement") and draw(st.booleans()):
        out["arrangement"]["applied_at"] = stamp(as_of.replace(tzinfo=None), "+08:00")
        out["arrangement"]["approved_at"] = stamp(
            (as_of - timedelta(days=1)).replace(tzinfo=None), "+08:00")
    else:
        out["events"].append({"type": "contact_details_updated", "at": later})
    return out


@st.composite
def huge_string(draw: st.DrawFn, case: Case) -> Case:
    out = copy.deepcopy(case)
    size = draw(st.integers(10_001, 60_000))
    if draw(st.booleans()):
        put(out, draw(st.sampled_from(paths(out))), draw(st.sampled_from("x文\n\"")) * size)
    else:
        get(out, draw(st.sampled_from(containers(out))))["k" * size] = 1
    return out


@st.composite
def deep_nesting(draw: st.DrawFn, case: Case) -> Case:
    out = copy.deepcopy(case)
    value: Any = draw(JUNK)
    for _ in range(draw(st.integers(33, 400))):
        value = [value] if draw(st.booleans()) else {"a": value}
    put(out, draw(st.sampled_from(paths(out))), value)
    return out


INVALID_MUTATIONS = [unknown_field, unknown_enum, missing_field, inconsistent_time, huge_string,
                     deep_nesting]


def to_bytes(case: Any) -> bytes:
    return json.dumps(case, ensure_ascii=False).encode("utf-8")


@st.composite
def broken_bytes(draw: st.DrawFn, case: Case) -> bytes:
    """The JSON text of a valid case, damaged at the byte level (never valid afterwards)."""
    raw = to_bytes(case)
    how = draw(st.sampled_from(["truncate", "non-utf8", "array", "binary", "empty", "scalar",
                                "nul", "bom-garbage"]))
    if how == "truncate":
        return raw[: draw(st.integers(0, len(raw) - 1))]
    if how == "non-utf8":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80",
                                                b"\xf8\x88\x80\x80\x80"])) + raw[at:]
    if how == "array":
        return b"[" + raw + b"]"
    if how == "binary":
        return draw(st.binary(max_size=200))
    if how == "empty":
        return draw(st.sampled_from([b"", b" ", b"\n\t \r\n"]))
    if how == "scalar":
        return draw(st.sampled_from([b"null", b"true", b"1", b"1e999", b"\"case\"", b"NaN",
                                     b"9" * 5000]))
    if how == "nul":
        return raw[:1] + b"\x00" + raw[1:]
    return b"\xef\xbb\xbf" + raw  # a UTF-8 byte-order mark: not JSON
