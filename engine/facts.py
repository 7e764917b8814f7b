"""Measurements of a validated case: the facts the rules read (and the decision's ``findings``).

``measure`` is a pure function of the case and the pack's parameters. Temporal relations
("after the confirmation", "per calendar day", "in quiet hours") are computed here, so that the
compiled rules only compare one flat fact with constants (no cross-fact references, see the
durable_rules notes).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal

import pydantic_core

from .case import (
    ArrangementCheck,
    BasisRequested,
    Case,
    CollectorContact,
    CollectorInformed,
    ComplaintAnswered,
    ComplaintFiled,
    ContactDetailsUpdated,
    Event,
    SupportContact,
)
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

    One pass over the events in time order (ties keep input order), so the cost is linear in the
    events.
    """
    tz = case.tz
    timeline = _Timeline(case.events)
    events = timeline.events
    a = case.arrangement
    agent = a.agent if a is not None else None
    f: dict[str, FactValue] = {}

    # The arrangement
    f["has_arrangement"] = a is not None
    f["arrangement_kind"] = a.kind if a else "none"
    f["arrangement_status"] = a.status if a else "none"
    f["arranged_by"] = a.arranged_by if a else "none"
    f["documents_submitted"] = len(set(a.documents)) if a else 0
    f["emergency_documents"] = bool(a and {"medical_proof", "emergency_proof"} & set(a.documents))

    # One pass over the events, in time order.
    official_last: str | None = None  # result of the latest official check or support answer
    first_verified: datetime | None = None  # first official result "active"
    first_support_ok: datetime | None = None  # ... of those, first from support
    checked_in_app = False
    supports = 0
    first_promise: datetime | None = None
    details_updated = False
    first_informed: datetime | None = None
    informed_with_proof = False
    first_basis: datetime | None = None
    basis_answered = False
    filed: list[ComplaintFiled] = []
    answered: list[ComplaintAnswered] = []
    contact_index: list[int] = []  # positions (in ``events``) of the collector contacts
    connected: dict[date, int] = {}
    unanswered: dict[date, int] = {}
    quiet = 0
    numbers: set[str] = set()
    conducts: Counter[str] = Counter()
    conduct_contacts = 0
    last_local: datetime | None = None
    # QuietHours.contains, inlined (it ran once per contact)
    q_start, q_end = quiet_hours.start, quiet_hours.end
    q_wraps = not q_start <= q_end
    for i, e in enumerate(events):
        if isinstance(e, CollectorContact):
            contact_index.append(i)
            t = e.at.astimezone(tz)
            last_local = t
            channel = e.channel
            if channel == "call":
                per_day = connected if e.answered else unanswered
                day = t.date()
                per_day[day] = per_day.get(day, 0) + 1
            if channel != "letter" and channel != "email":
                moment = t.time()
                if (moment >= q_start or moment < q_end) if q_wraps else (
                        q_start <= moment < q_end):
                    quiet += 1
            if e.number:
                numbers.add(e.number)
            if e.conduct:
                conduct_contacts += 1
                conducts.update(set(e.conduct))
            continue
        result: str | None = None
        by_support = False
        if isinstance(e, ArrangementCheck):
            result, by_support = e.result, e.via == "support"
            checked_in_app = checked_in_app or e.via == "app"
        elif isinstance(e, SupportContact):
            supports += 1
            if e.outcome == "arrangement_confirmed":
                result, by_support = "active", True
            elif e.outcome == "arrangement_not_found":
                result, by_support = "not_found", True
            elif e.outcome == "promised_to_stop_collection" and first_promise is None:
                first_promise = e.at
        elif isinstance(e, ContactDetailsUpdated):
            details_updated = True
        elif isinstance(e, CollectorInformed):
            if first_informed is None:
                first_informed = e.at
            informed_with_proof = informed_with_proof or e.proof_provided
        elif isinstance(e, BasisRequested):
            if first_basis is None:
                first_basis = e.at
            basis_answered = basis_answered or e.answered
        elif isinstance(e, ComplaintFiled):
            filed.append(e)
        elif isinstance(e, ComplaintAnswered):
            answered.append(e)
        if result is not None:
            official_last = result
            if result == "active":
                if first_verified is None:
                    first_verified = e.at
                if by_support and first_support_ok is None:
                    first_support_ok = e.at

    f["official_check"] = official_last or "none"
    f["checked_in_app"] = checked_in_app
    f["confirmed_by_support"] = first_support_ok is not None and official_last == "active"
    f["support_contacts"] = supports
    f["support_promised_to_stop"] = first_promise is not None

    # Contact details
    if details_updated:
        f["contact_details"] = "current"
    else:
        current = case.consumer.contact_details_current
        f["contact_details"] = {True: "current", False: "outdated", None: "unknown"}[current]

    # Collector contacts
    n_contacts = len(contact_index)
    after = timeline.counter(contact_index)

    f["collector_contacts"] = n_contacts
    if a is not None and (a.approved_at or a.applied_at):
        f["collector_contacts_since_arrangement"] = after(a.approved_at or a.applied_at)
    else:
        f["collector_contacts_since_arrangement"] = n_contacts if a is not None else 0
    f["collector_contacts_after_approval"] = after(a.approved_at if a else None)
    f["collector_contacts_after_support_promise"] = after(first_promise)
    f["collector_contacts_after_verification"] = after(first_verified)
    f["collector_contacts_after_support_confirmation"] = after(
        first_support_ok if f["confirmed_by_support"] else None
    )
    f["collector_informed"] = first_informed is not None
    f["collector_informed_with_proof"] = informed_with_proof
    f["collector_contacts_after_informed"] = after(first_informed)
    f["basis_requested"] = first_basis is not None
    f["basis_answered"] = basis_answered
    f["collector_contacts_after_basis_requested"] = after(first_basis)

    f["connected_calls_max_per_day"] = max(connected.values(), default=0)
    f["unanswered_calls_max_per_day"] = max(unanswered.values(), default=0)
    f["quiet_hours_contacts"] = quiet
    f["collector_numbers"] = len(numbers)
    for conduct in CONDUCTS:
        f[f"conduct_{conduct}"] = conducts[conduct]
    f["conduct_contacts"] = conduct_contacts
    as_of_local = case.as_of.astimezone(tz)
    f["days_since_last_collector_contact"] = (
        (as_of_local.date() - last_local.date()).days if last_local is not None else -1
    )

    # Third-party agent
    f["agent_involved"] = agent is not None or (a is not None and a.arranged_by ==
                                                 "third_party_agent")
    f["agent_fee_cny"] = int(agent.fee_paid_cny or 0) if agent else 0
    f["agent_credentials_asked"] = len(CREDENTIALS & set(agent.asked_for)) if agent else 0
    f["agent_asked_upfront_fee"] = bool(agent and "upfront_fee" in agent.asked_for)
    f["agent_told_not_to_pay_lender"] = bool(agent and agent.told_not_to_pay_lender)

    # Complaints
    for target in COMPLAINT_TARGETS:
        f[f"complaint_{target}_filed"] = any(e.to == target for e in filed)
    for target in ("lender", "nfra"):
        state, days, filed_on = _complaint_state(filed, answered, target, tz, as_of_local.date())
        f[f"{target}_complaint"] = state
        f[f"{target}_complaint_days"] = days
        f[f"{target}_complaint_filed_on"] = filed_on

    # Evidence
    kept = set(case.consumer.evidence_kept)
    f["evidence_kept"] = len(kept)
    f["keeps_call_records"] = bool({"call_log", "call_recordings"} & kept)
    f["as_of_date"] = as_of_local.date().isoformat()

    return {name: f[name] for name in _NAMES}


_NAMES: tuple[str, ...] = tuple(spec.name for spec in CATALOGUE)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# tzinfo classes whose offset never depends on the date: for times that all have one of these,
# comparing the datetimes is exactly comparing their UTC instants (pydantic parses "+08:00"
# into its own TzInfo; every operation on it costs a call into pydantic_core).
_FIXED_OFFSET: frozenset[type] = frozenset(
    t for t in (timezone, getattr(pydantic_core, "TzInfo", None)) if isinstance(t, type))


class _Timeline:
    """The events in time order, and counts of events after a moment.

    When every event time has a fixed UTC offset, each time is turned once into its exact
    instant (a ``timedelta`` since the epoch): sorting and counting compare those, and the
    counts are binary searches. Otherwise (naive times read in a zone with daylight saving,
    where Python compares times of one zone by wall clock), it sorts and counts with the
    datetimes themselves, one comparison at a time: the same results either way.
    """

    def __init__(self, events: list[Event]) -> None:
        keys: list[timedelta] | None = None
        if all(type(e.at.tzinfo) in _FIXED_OFFSET for e in events):
            keys = [e.at - _EPOCH for e in events]
            order = sorted(range(len(events)), key=keys.__getitem__)
            self.events = [events[i] for i in order]
            keys = [keys[i] for i in order]
        else:
            self.events = sorted(events, key=_at)
        self._keys = keys

    def counter(self, indexes: list[int]) -> Callable[[datetime | None], int]:
        """A function counting the events at ``indexes`` (in time order) after a moment."""
        if self._keys is not None:
            keys = [self._keys[i] for i in indexes]
            total = len(keys)

            def after_fast(moment: datetime | None) -> int:
                return 0 if moment is None else total - bisect_right(keys, moment - _EPOCH)

            return after_fast
        times = [self.events[i].at for i in indexes]

        def after(moment: datetime | None) -> int:
            # ``moment < at`` is ``at > moment``: the same comparisons as one by one.
            return 0 if moment is None else sum(map(moment.__lt__, times))

        return after


def _at(event: Event) -> datetime:
    return event.at


def _complaint_state(filed: list[ComplaintFiled], answered: list[ComplaintAnswered],
                     target: str, tz: tzinfo, today: date) -> tuple[str, int, str]:
    """State (none/open/unresolved/resolved), days since filing and local filing date of the
    first complaint to ``target`` (both lists in time order); answers before it are ignored."""
    first = next((e.at for e in filed if e.to == target), None)
    if first is None:
        return "none", -1, ""
    answers = [e for e in answered if e.to == target and e.at >= first]
    state = "open" if not answers else ("resolved" if answers[-1].resolved else "unresolved")
    filed_on = first.astimezone(tz).date()
    return state, (today - filed_on).days, filed_on.isoformat()
