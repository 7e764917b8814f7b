"""Measurements of a validated case: the facts the rules read (and the decision's ``findings``).

``measure`` is a pure function of the case and the pack's parameters. Temporal relations
("after the confirmation", "per calendar day", "in quiet hours") are computed here, so that the
compiled rules only compare one flat fact with constants (no cross-fact references, see the
durable_rules notes).
"""

from __future__ import annotations

import importlib
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

import pydantic_core

from .case import Case, CollectorContact, ComplaintAnswered, ComplaintFiled, Event
from .vocab import CONDUCTS

FactType = Literal["int", "bool", "str", "date"]
FactValue = int | bool | str


@dataclass(frozen=True)
class FactSpec:
    """A fact the rules may read: its name, type, allowed values (for ``str``) and meaning."""

    name: str
    type: FactType
    doc: str
    choices: tuple[str, ...] = ()


def _int(name: str, doc: str) -> FactSpec:
    return FactSpec(name, "int", doc)


def _bool(name: str, doc: str) -> FactSpec:
    return FactSpec(name, "bool", doc)


def _str(name: str, doc: str, *choices: str) -> FactSpec:
    return FactSpec(name, "str", doc, choices)


def _date(name: str, doc: str) -> FactSpec:
    return FactSpec(name, "date", doc)


COMPLAINT_TARGETS = ("lender", "nfra", "consumer_association", "nifa", "miit_12321", "police")

CATALOGUE: tuple[FactSpec, ...] = (
    # The arrangement (§一, §三)
    _bool("has_arrangement", "the case describes a deferral or plan"),
    _str("arrangement_kind", "kind of arrangement", "none", "deferral", "installment",
         "negotiated_plan"),
    _str("arrangement_status", "status as the consumer reports it", "none", "claimed", "applied",
         "approved", "rejected", "expired", "unknown"),
    _str("arranged_by", "who arranged it", "none", "self", "official_support",
         "third_party_agent", "unknown"),
    _int("documents_submitted", "supporting documents submitted (§一)"),
    _bool("emergency_documents", "medical or emergency proof was submitted (hardship came from "
          "an emergency)"),
    _str("official_check", "latest result of an official check (app, support, notice, letter)",
         "none", "active", "not_found", "rejected", "expired"),
    _bool("checked_in_app", "the consumer checked the arrangement in the app at least once"),
    _bool("confirmed_by_support", "official support confirmed the arrangement, and no later "
          "official check contradicted it"),
    _int("support_contacts", "contacts with official support"),
    _bool("support_promised_to_stop", "support promised that collection would stop"),
    _int("collector_contacts_after_support_promise", "collector contacts after support first "
         "promised that collection would stop"),
    # Contact details (§二)
    _str("contact_details", "are the account's contact details current", "current", "outdated",
         "unknown"),
    # Collector contacts
    _int("collector_contacts", "collector contacts in total"),
    _int("collector_contacts_since_arrangement", "collector contacts after the arrangement was "
         "approved (or applied for, or at all when neither time is known)"),
    _int("collector_contacts_after_approval", "collector contacts after approved_at"),
    _int("collector_contacts_after_verification", "collector contacts after the first official "
         "check or support contact that found the arrangement active"),
    _int("collector_contacts_after_support_confirmation", "collector contacts after support "
         "first confirmed the arrangement"),
    _bool("collector_informed", "the consumer explained the arrangement to the collector (§四)"),
    _bool("collector_informed_with_proof", "... and provided proof (§五)"),
    _int("collector_contacts_after_informed", "collector contacts after the collector was "
         "first informed"),
    _bool("basis_requested", "the consumer demanded the basis of the claim (§四)"),
    _bool("basis_answered", "the collector answered the demand for the basis"),
    _int("collector_contacts_after_basis_requested", "collector contacts after the basis was "
         "first demanded"),
    _int("connected_calls_max_per_day", "most connected collector calls on one local day"),
    _int("unanswered_calls_max_per_day", "most unanswered collector call attempts on one local "
         "day (the case records one consumer's phone)"),
    _int("quiet_hours_contacts", "collector contacts in quiet hours (local time)"),
    _int("collector_numbers", "distinct collector phone numbers recorded"),
    *(_int(f"conduct_{c}", f"collector contacts with conduct {c}") for c in CONDUCTS),
    _int("conduct_contacts", "collector contacts with any forbidden conduct"),
    _int("days_since_last_collector_contact", "days from the last collector contact to as_of "
         "(-1 when there is none)"),
    # Third-party agent (找人办)
    _bool("agent_involved", "a third-party agent was involved"),
    _int("agent_fee_cny", "fee paid to the agent, whole yuan"),
    _int("agent_credentials_asked", "credentials, codes, cards or contacts the agent asked for"),
    _bool("agent_asked_upfront_fee", "the agent asked for an upfront fee"),
    _bool("agent_told_not_to_pay_lender", "the agent said not to pay the lender"),
    # Complaints
    *(_bool(f"complaint_{t}_filed", f"a complaint was filed with {t}") for t in COMPLAINT_TARGETS),
    _str("lender_complaint", "state of the formal complaint to the lender", "none", "open",
         "unresolved", "resolved"),
    _int("lender_complaint_days", "days since the first complaint to the lender (-1 when none)"),
    _date("lender_complaint_filed_on", "local date of the first complaint to the lender "
          "(empty when none)"),
    _str("nfra_complaint", "state of the complaint to NFRA (12378)", "none", "open",
         "unresolved", "resolved"),
    _int("nfra_complaint_days", "days since the first complaint to NFRA (-1 when none)"),
    _date("nfra_complaint_filed_on", "local date of the first complaint to NFRA (empty when "
          "none)"),
    # Evidence
    _int("evidence_kept", "kinds of evidence the consumer already keeps"),
    _bool("keeps_call_records", "the consumer keeps a call log or call recordings"),
    # Time
    _date("as_of_date", "local date of as_of"),
)

FACTS: dict[str, FactSpec] = {spec.name: spec for spec in CATALOGUE}

CREDENTIALS = {"id_card", "bank_card", "sim_card", "alipay_password", "sms_code", "contacts_list"}


@dataclass(frozen=True)
class QuietHours:
    """Local times between which collection is not allowed (the window may wrap midnight)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def measure(case: Case, quiet_hours: QuietHours) -> dict[str, FactValue]:
    """The facts of ``case``, in catalogue order.

    The events are taken in time order (ties keep input order); apart from sorting, the cost
    is linear in the events.
    """
    return _measure(case, quiet_hours, fast=True)


def _measure(case: Case, quiet_hours: QuietHours, *, fast: bool) -> dict[str, FactValue]:
    """``measure``; with ``fast=False`` the events are always read by ``_scan`` (for the tests)."""
    tz = case.tz
    scan = None
    if fast:
        try:
            scan = _scan_fast(case.events, tz, quiet_hours)
        except OverflowError:  # a time within a day of datetime's limits (never in a valid case)
            scan = None
    scan = scan or _scan(case.events, tz, quiet_hours)
    after, key = scan.after, scan.key
    a = case.arrangement
    agent = a.agent if a is not None else None

    # The other events (not collector contacts), in time order; moments are kept as keys.
    official_last: str | None = None  # result of the latest official check or support answer
    first_verified: Any = None  # first official result "active"
    first_support_ok: Any = None  # ... of those, first from support
    checked_in_app = False
    supports = 0
    first_promise: Any = None
    details_updated = False
    first_informed: Any = None
    informed_with_proof = False
    first_basis: Any = None
    basis_answered = False
    filed: list[tuple[Any, ComplaintFiled]] = []
    answered: list[tuple[Any, ComplaintAnswered]] = []
    for k, e in scan.others:
        result: str | None = None
        by_support = False
        if e.type == "arrangement_check":
            result, by_support = e.result, e.via == "support"
            checked_in_app = checked_in_app or e.via == "app"
        elif e.type == "support_contact":
            supports += 1
            if e.outcome == "arrangement_confirmed":
                result, by_support = "active", True
            elif e.outcome == "arrangement_not_found":
                result, by_support = "not_found", True
            elif e.outcome == "promised_to_stop_collection" and first_promise is None:
                first_promise = k
        elif e.type == "contact_details_updated":
            details_updated = True
        elif e.type == "collector_informed":
            if first_informed is None:
                first_informed = k
            informed_with_proof = informed_with_proof or e.proof_provided
        elif e.type == "basis_requested":
            if first_basis is None:
                first_basis = k
            basis_answered = basis_answered or e.answered
        elif e.type == "complaint_filed":
            filed.append((k, e))
        elif e.type == "complaint_answered":
            answered.append((k, e))
        if result is not None:
            official_last = result
            if result == "active":
                if first_verified is None:
                    first_verified = k
                if by_support and first_support_ok is None:
                    first_support_ok = k
    confirmed_by_support = first_support_ok is not None and official_last == "active"
    n_contacts = scan.contacts
    as_of_local = case.as_of.astimezone(tz)
    today = as_of_local.toordinal()

    # Built in catalogue order (a test checks it).
    f: dict[str, FactValue] = {
        # The arrangement
        "has_arrangement": a is not None,
        "arrangement_kind": a.kind if a else "none",
        "arrangement_status": a.status if a else "none",
        "arranged_by": a.arranged_by if a else "none",
        "documents_submitted": len(set(a.documents)) if a else 0,
        "emergency_documents": bool(a and {"medical_proof", "emergency_proof"} & set(
            a.documents)),
        "official_check": official_last or "none",
        "checked_in_app": checked_in_app,
        "confirmed_by_support": confirmed_by_support,
        "support_contacts": supports,
        "support_promised_to_stop": first_promise is not None,
        "collector_contacts_after_support_promise": after(first_promise),
        # Contact details
        "contact_details": "current" if details_updated else _DETAILS[
            case.consumer.contact_details_current],
        # Collector contacts
        "collector_contacts": n_contacts,
        "collector_contacts_since_arrangement": after(key(a.approved_at or a.applied_at))
        if a is not None and (a.approved_at or a.applied_at) else
        (n_contacts if a is not None else 0),
        "collector_contacts_after_approval": after(key(a.approved_at if a else None)),
        "collector_contacts_after_verification": after(first_verified),
        "collector_contacts_after_support_confirmation": after(
            first_support_ok if confirmed_by_support else None),
        "collector_informed": first_informed is not None,
        "collector_informed_with_proof": informed_with_proof,
        "collector_contacts_after_informed": after(first_informed),
        "basis_requested": first_basis is not None,
        "basis_answered": basis_answered,
        "collector_contacts_after_basis_requested": after(first_basis),
        "connected_calls_max_per_day": scan.connected_max,
        "unanswered_calls_max_per_day": scan.unanswered_max,
        "quiet_hours_contacts": scan.quiet,
        "collector_numbers": scan.numbers,
    }
    conducts = scan.conducts
    for name, conduct in _CONDUCT_FACTS:
        f[name] = conducts.get(conduct, 0)
    f["conduct_contacts"] = scan.conduct_contacts
    f["days_since_last_collector_contact"] = (
        today - scan.last_day if scan.last_day is not None else -1)

    # Third-party agent
    f["agent_involved"] = agent is not None or (a is not None and a.arranged_by ==
                                                 "third_party_agent")
    f["agent_fee_cny"] = int(agent.fee_paid_cny or 0) if agent else 0
    f["agent_credentials_asked"] = len(CREDENTIALS & set(agent.asked_for)) if agent else 0
    f["agent_asked_upfront_fee"] = bool(agent and "upfront_fee" in agent.asked_for)
    f["agent_told_not_to_pay_lender"] = bool(agent and agent.told_not_to_pay_lender)

    # Complaints
    filed_to = {e.to for _, e in filed}
    for name, target in _FILED_FACTS:
        f[name] = target in filed_to
    for target, names in _COMPLAINT_FACTS:
        state, days, filed_on = _complaint_state(filed, answered, target, tz, today)
        f[names[0]], f[names[1]], f[names[2]] = state, days, filed_on

    # Evidence
    kept = set(case.consumer.evidence_kept)
    f["evidence_kept"] = len(kept)
    f["keeps_call_records"] = bool({"call_log", "call_recordings"} & kept)
    f["as_of_date"] = as_of_local.date().isoformat()
    return f


_DETAILS: dict[bool | None, str] = {True: "current", False: "outdated", None: "unknown"}
_CONDUCT_FACTS = tuple((f"conduct_{c}", c) for c in CONDUCTS)
_FILED_FACTS = tuple((f"complaint_{t}_filed", t) for t in COMPLAINT_TARGETS)
_COMPLAINT_FACTS = tuple(
    (t, (f"{t}_complaint", f"{t}_complaint_days", f"{t}_complaint_filed_on"))
    for t in ("lender", "nfra"))


def _complaint_state(filed: list[tuple[Any, ComplaintFiled]],
                     answered: list[tuple[Any, ComplaintAnswered]], target: str, tz: tzinfo,
                     today: int) -> tuple[str, int, str]:
    """State (none/open/unresolved/resolved), days since filing and local filing date of the
    first complaint to ``target`` (both lists in time order, with the events' keys; ``today``
    is an ordinal); answers before it are ignored."""
    first = next(((k, e) for k, e in filed if e.to == target), None)
    if first is None:
        return "none", -1, ""
    first_key, first_event = first
    answers = [e for k, e in answered if e.to == target and k >= first_key]
    state = "open" if not answers else ("resolved" if answers[-1].resolved else "unresolved")
    filed_on = first_event.at.astimezone(tz).date()
    return state, today - filed_on.toordinal(), filed_on.isoformat()


class _Scan(NamedTuple):
    """What the events say once read (by ``_scan`` or ``_scan_fast``).

    Moments are handled as keys, which compare as the moments do: ``key`` gives a moment's
    key (``None`` for ``None``), ``after`` counts the contacts strictly after a key's moment
    (0 for ``None``).
    """

    others: list[tuple[Any, Event]]  # (key, event): the events that are not contacts, in order
    contacts: int
    connected_max: int  # most connected calls on one local day
    unanswered_max: int
    quiet: int  # contacts in quiet hours
    numbers: int  # distinct numbers
    conducts: dict[str, int]  # contacts per conduct
    conduct_contacts: int
    last_day: int | None  # local day (ordinal) of the latest contact
    key: Callable[[datetime | None], Any]
    after: Callable[[Any], int]


def _scan(events: list[Event], tz: tzinfo, quiet_hours: QuietHours) -> _Scan:
    """Read the events the straightforward way: sort them by comparing their times, convert
    each contact's time to the case's zone, count the contacts after a moment one by one (a
    moment's key is the moment itself)."""
    others: list[tuple[Any, Event]] = []
    times: list[datetime] = []
    connected: Counter[date] = Counter()
    unanswered: Counter[date] = Counter()
    quiet = 0
    numbers: set[str] = set()
    conducts: Counter[str] = Counter()
    conduct_contacts = 0
    last: datetime | None = None
    for e in sorted(events, key=_at):
        if not isinstance(e, CollectorContact):
            others.append((e.at, e))
            continue
        times.append(e.at)
        last = t = e.at.astimezone(tz)
        if e.channel == "call":
            (connected if e.answered else unanswered)[t.date()] += 1
        if e.channel != "letter" and e.channel != "email" and quiet_hours.contains(t.time()):
            quiet += 1
        if e.number:
            numbers.add(e.number)
        if e.conduct:
            conduct_contacts += 1
            conducts.update(set(e.conduct))

    def after(moment: datetime | None) -> int:
        # ``moment < at`` is ``at > moment``.
        return 0 if moment is None else sum(map(moment.__lt__, times))

    return _Scan(others, len(times), max(connected.values(), default=0),
                 max(unanswered.values(), default=0), quiet, len(numbers), conducts,
                 conduct_contacts, last.toordinal() if last is not None else None, _itself,
                 after)


def _at(event: Event) -> datetime:
    return event.at


def _itself(moment: datetime | None) -> datetime | None:
    return moment


# tzinfo classes whose offset never depends on the date (pydantic parses "+08:00" into its own
# TzInfo, every operation on which calls into pydantic_core).
_FIXED_OFFSET: frozenset[type] = frozenset(
    t for t in (timezone, getattr(pydantic_core, "TzInfo", None)) if isinstance(t, type))
_combine = datetime.combine
_Key = tuple[int, time]  # an instant: day (ordinal) and time of its wall clock at some offset


def _scan_fast(events: list[Event], tz: tzinfo, quiet_hours: QuietHours) -> _Scan | None:
    """``_scan`` without comparing or converting datetimes, or ``None`` when that might not give
    the same results.

    Each time's UTC offset is asked once, from its tzinfo, and its key is its instant as the
    day and time of the wall clock at the offset ``ref`` of the first event (mostly its own
    wall clock). Python compares times with one tzinfo object by wall clock and others by
    instant; both agree when every tzinfo object's times share one offset: always for fixed
    offsets, and for the case's zone (naive input read in it) unless its events straddle a
    change of offset (daylight saving): then ``None``. A contact's local time is its own wall
    clock when it is in the case's zone, else its key where the zone is known to keep the
    offset ``ref`` (``_Zone``), else converted.
    """
    if not events:
        return None
    ref = _offset(events[0].at, tz)
    if ref is None:
        return None
    q_start, q_end = quiet_hours.start, quiet_hours.end
    q_wraps = not q_start <= q_end
    zone = _Zone(tz, ref)
    home_lo = home_hi = 0  # zone.home: days (at ref) that are local days too
    tz_offset: Callable[[datetime], Any] = tz.utcoffset
    zone_off: timedelta | None = None  # the offset of the times in the case's zone
    others: list[tuple[int, Event]] = []
    keys: list[_Key] = []  # the contacts'
    days: list[int] = []  # their local days (ordinals)
    at_ref = True  # each of these local times is the key's (the instant at the offset ref)
    connected: list[int] = []  # local days of connected calls
    unanswered: list[int] = []
    quiet = 0
    numbers: set[str] = set()
    conducts: dict[str, int] = {}
    conduct_contacts = 0
    for i, e in enumerate(events):
        if type(e) is not CollectorContact:
            others.append((i, e))
            continue
        at = e.at
        tzi: Any = at.tzinfo
        if tzi is tz:  # its local time is its own wall clock
            off = tz_offset(at)
            if off != zone_off:
                if zone_off is not None:
                    return None
                zone_off = off
            day = at.toordinal()
            moment = at.time()
            if off == ref:
                key = (day, moment)
            else:
                key = _shifted(at, off - ref)
                at_ref = False
        elif type(tzi) in _FIXED_OFFSET:
            off = tzi.utcoffset(at)
            day = at.toordinal()
            moment = at.time()
            if off == ref:
                key = (day, moment)
                if not home_lo <= day < home_hi:
                    day, moment = zone.local(at, off)
                    home_lo, home_hi = zone.home
                    at_ref = at_ref and home_lo <= key[0] < home_hi
            else:
                key = _shifted(at, off - ref)
                day, moment = zone.local(at, off)
                at_ref = False
        else:
            return None
        keys.append(key)
        days.append(day)
        channel = e.channel
        if channel == "call":
            (connected if e.answered else unanswered).append(day)
            timed = True
        else:
            timed = channel != "letter" and channel != "email"
        if timed and ((moment >= q_start or moment < q_end) if q_wraps else
                      q_start <= moment < q_end):
            quiet += 1
        number = e.number
        if number:
            numbers.add(number)
        if e.conduct:
            conduct_contacts += 1
            for conduct in set(e.conduct):
                conducts[conduct] = conducts.get(conduct, 0) + 1

    keyed: list[tuple[_Key, int, Event]] = []
    for i, e in others:
        at = e.at
        tzi = at.tzinfo
        if tzi is tz:
            off = tz_offset(at)
            if zone_off is None:
                zone_off = off
            elif off != zone_off:
                return None
        elif type(tzi) in _FIXED_OFFSET and e.type != "collector_contact":
            off = tzi.utcoffset(at)
        else:
            return None
        keyed.append(((at.toordinal(), at.time()) if off == ref else _shifted(at, off - ref),
                      i, e))
    keyed.sort()  # by instant, then input order (never compares the events)
    total = len(keys)
    last_day = None  # the latest contact's (of those at the latest instant, the last given)
    if keys:
        last_day = max(days) if at_ref else days[total - 1 - keys[::-1].index(max(keys))]
    keys.sort()

    def key_of(moment: datetime | None) -> _Key | datetime | None:
        if moment is None:
            return None
        off = moment.utcoffset()
        if off is None or (moment.tzinfo is tz and zone_off is not None and off != zone_off):
            return moment  # compared by wall clock with some contacts: counted one by one
        try:
            return _shifted(moment, off - ref)
        except OverflowError:
            return moment

    def after(k: _Key | datetime | None) -> int:
        if k is None:
            return 0
        if isinstance(k, datetime):
            return sum(map(k.__lt__, [e.at for e in events if isinstance(e, CollectorContact)]))
        return total - bisect_right(keys, k)

    return _Scan([(k, e) for k, _, e in keyed], total, _most_on_one_day(connected),
                 _most_on_one_day(unanswered), quiet, len(numbers), conducts, conduct_contacts,
                 last_day, key_of, after)


def _most_on_one_day(days: list[int]) -> int:
    """The largest number of equal values in ``days``."""
    days = sorted(days)
    most = i = 0
    while i < len(days):
        j = bisect_right(days, days[i], i)
        most = max(most, j - i)
        i = j
    return most


def _offset(at: datetime, tz: tzinfo) -> timedelta | None:
    """The UTC offset of ``at`` if ``_scan_fast`` can read its tzinfo, else ``None``."""
    tzi = at.tzinfo
    return tzi.utcoffset(at) if tzi is not None and (
        tzi is tz or type(tzi) in _FIXED_OFFSET) else None


def _shifted(at: datetime, delta: timedelta) -> _Key:
    """The key of ``at``'s wall clock moved back by ``delta``."""
    if not delta:
        return at.toordinal(), at.time()
    wall = _combine(at, at.time()) - delta
    return wall.toordinal(), wall.time()


class _Zone:
    """Local times in the case's zone ``tz`` of times with fixed offsets."""

    def __init__(self, tz: tzinfo, ref: timedelta) -> None:
        self.tz, self.ref = tz, ref
        self.starts, self.ends, self.offsets = _zone_spans(tz)
        self.home = (0, 0)  # days at ``ref`` in a span where the zone keeps the offset ``ref``

    def local(self, at: datetime, off: timedelta) -> tuple[int, time]:
        """Local day (ordinal) and time of ``at``, whose UTC offset is ``off``; ``home`` is set
        to the days of its span if the zone's offset there is ``ref``."""
        instant = _combine(at, at.time()) - off  # naive UTC
        j = bisect_right(self.starts, instant) - 1
        if j >= 0 and instant < self.ends[j]:
            offset = self.offsets[j]
            if offset == self.ref:
                self.home = ((self.starts[j] + offset).toordinal() + 1,
                             (self.ends[j] + offset).toordinal())
            local = instant + offset
        else:
            local = at.astimezone(self.tz)
        return local.toordinal(), local.time()


_SPAN_YEARS = (1800, 3100)  # spans are looked for in these years (valid cases: 1900-2999)
_SPAN_MARGIN = timedelta(days=1)  # kept clear on each side of a change of offset
_UNIX_EPOCH = datetime(1970, 1, 1)


@lru_cache(maxsize=64)
def _zone_spans(tz: tzinfo) -> tuple[list[datetime], list[datetime], list[timedelta]]:
    """Spans of time in which ``tz`` keeps one UTC offset: (starts, ends, offsets), sorted, as
    naive UTC times; empty lists when not known.

    ``ZoneInfo`` does not expose its transitions; its pure-Python twin in the standard library
    reads the same file with the same parser, so they are read from there. A day is kept clear
    on each side of every change of offset, and each span is checked against ``tz`` itself at
    its ends and middle. A zone whose future follows a daylight-saving rule has no span after
    its last listed transition.
    """
    if type(tz) is not ZoneInfo or tz.key is None:
        return [], [], []
    lo, hi = (datetime(year, 1, 1) for year in _SPAN_YEARS)
    periods: list[tuple[datetime, datetime, timedelta]] = []
    try:
        twin_module = importlib.import_module("zoneinfo._zoneinfo")
        twin = twin_module.ZoneInfo.no_cache(tz.key)
        trans = [_UNIX_EPOCH + timedelta(seconds=int(t)) for t in twin._trans_utc]
        offsets = [tti.utcoff for tti in twin._ttinfos]
        before, after = twin._tti_before, twin._tz_after
        steady_after = isinstance(after, twin_module._ttinfo)  # no daylight-saving rule
        if not trans:
            if steady_after:
                periods.append((lo, hi, after.utcoff))
        else:
            if before is not None:
                periods.append((lo, trans[0], before.utcoff))
            periods += [(trans[k], trans[k + 1], offsets[k]) for k in range(len(trans) - 1)]
            if steady_after and after.utcoff == offsets[-1]:
                periods.append((trans[-1], hi, offsets[-1]))
        if not all(isinstance(off, timedelta) for _, _, off in periods):
            return [], [], []
    except Exception:  # a private module: should it ever change, every contact is converted
        return [], [], []
    spans: list[tuple[datetime, datetime, timedelta]] = []
    for start, end, off in periods:
        if spans and spans[-1][1] == start and spans[-1][2] == off:
            spans[-1] = (spans[-1][0], end, off)
        else:
            spans.append((start, end, off))
    checked = []
    for start, end, off in spans:
        start, end = max(start, lo) + _SPAN_MARGIN, min(end, hi) - _SPAN_MARGIN
        if start < end and all(
                moment.replace(tzinfo=timezone.utc).astimezone(tz).utcoffset() == off
                for moment in (start, start + (end - start) // 2, end - _ONE_US)):
            checked.append((start, end, off))
    return [s for s, _, _ in checked], [e for _, e, _ in checked], [o for _, _, o in checked]


_ONE_US = timedelta(microseconds=1)
