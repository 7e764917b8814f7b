"""Measurements of a validated case: the facts the rules read (and the decision's ``findings``).

``measure`` is a pure function of the case and the pack's parameters. Temporal relations
("after the confirmation", "per calendar day", "in quiet hours") are computed here, so that the
compiled rules only compare one flat fact with constants (no cross-fact references, see the
durable_rules notes).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Literal

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
    """The facts of ``case``, in catalogue order."""
    tz = case.tz
    events = sorted(case.events, key=lambda e: e.at)
    contacts = [e for e in events if isinstance(e, CollectorContact)]
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

    official: list[tuple[datetime, str, bool]] = []  # (at, result, from support)
    for e in events:
        if isinstance(e, ArrangementCheck):
            official.append((e.at, e.result, e.via == "support"))
        elif isinstance(e, SupportContact) and e.outcome == "arrangement_confirmed":
            official.append((e.at, "active", True))
        elif isinstance(e, SupportContact) and e.outcome == "arrangement_not_found":
            official.append((e.at, "not_found", True))
    f["official_check"] = official[-1][1] if official else "none"
    f["checked_in_app"] = any(isinstance(e, ArrangementCheck) and e.via == "app" for e in events)
    support_ok = [at for at, result, by_support in official if by_support and result == "active"]
    f["confirmed_by_support"] = bool(support_ok) and official[-1][1] == "active"
    supports = [e for e in events if isinstance(e, SupportContact)]
    f["support_contacts"] = len(supports)
    promises = [e.at for e in supports if e.outcome == "promised_to_stop_collection"]
    f["support_promised_to_stop"] = bool(promises)

    # Contact details
    if any(isinstance(e, ContactDetailsUpdated) for e in events):
        f["contact_details"] = "current"
    else:
        current = case.consumer.contact_details_current
        f["contact_details"] = {True: "current", False: "outdated", None: "unknown"}[current]

    # Collector contacts
    def after(moment: datetime | None) -> int:
        return 0 if moment is None else sum(1 for c in contacts if c.at > moment)


    f["collector_contacts"] = len(contacts)
    if a is not None and (a.approved_at or a.applied_at):
        f["collector_contacts_since_arrangement"] = after(a.approved_at or a.applied_at)
    else:
        f["collector_contacts_since_arrangement"] = len(contacts) if a is not None else 0
    f["collector_contacts_after_approval"] = after(a.approved_at if a else None)
    f["collector_contacts_after_support_promise"] = after(promises[0] if promises else None)
    verified = [at for at, result, _ in official if result == "active"]
    f["collector_contacts_after_verification"] = after(verified[0] if verified else None)
    f["collector_contacts_after_support_confirmation"] = after(
        support_ok[0] if f["confirmed_by_support"] else None
    )
    informed = [e for e in events if isinstance(e, CollectorInformed)]
    f["collector_informed"] = bool(informed)
    f["collector_informed_with_proof"] = any(e.proof_provided for e in informed)
    f["collector_contacts_after_informed"] = after(informed[0].at if informed else None)
    basis = [e for e in events if isinstance(e, BasisRequested)]
    f["basis_requested"] = bool(basis)
    f["basis_answered"] = any(e.answered for e in basis)
    f["collector_contacts_after_basis_requested"] = after(basis[0].at if basis else None)

    local = [(c, c.at.astimezone(tz)) for c in contacts]
    connected = Counter(t.date() for c, t in local if c.channel == "call" and c.answered)
    unanswered = Counter(t.date() for c, t in local if c.channel == "call" and not c.answered)
    f["connected_calls_max_per_day"] = max(connected.values(), default=0)
    f["unanswered_calls_max_per_day"] = max(unanswered.values(), default=0)
    f["quiet_hours_contacts"] = sum(
        1 for c, t in local if c.channel not in ("letter", "email") and quiet_hours.contains(
            t.time().replace(tzinfo=None))
    )
    f["collector_numbers"] = len({c.number for c in contacts if c.number})
    for conduct in CONDUCTS:
        f[f"conduct_{conduct}"] = sum(1 for c in contacts if conduct in c.conduct)
    f["conduct_contacts"] = sum(1 for c in contacts if c.conduct)
    as_of_local = case.as_of.astimezone(tz)
    f["days_since_last_collector_contact"] = (
        (as_of_local.date() - contacts[-1].at.astimezone(tz).date()).days if contacts else -1
    )

    # Third-party agent
    f["agent_involved"] = agent is not None or (a is not None and a.arranged_by ==
                                                 "third_party_agent")
    f["agent_fee_cny"] = int(agent.fee_paid_cny or 0) if agent else 0
    f["agent_credentials_asked"] = len(CREDENTIALS & set(agent.asked_for)) if agent else 0
    f["agent_asked_upfront_fee"] = bool(agent and "upfront_fee" in agent.asked_for)
    f["agent_told_not_to_pay_lender"] = bool(agent and agent.told_not_to_pay_lender)

    # Complaints
    filed = [e for e in events if isinstance(e, ComplaintFiled)]
    for target in COMPLAINT_TARGETS:
        f[f"complaint_{target}_filed"] = any(e.to == target for e in filed)
    for target in ("lender", "nfra"):
        state, days, filed_on = _complaint_state(events, filed, target, tz, as_of_local.date())
        f[f"{target}_complaint"] = state
        f[f"{target}_complaint_days"] = days
        f[f"{target}_complaint_filed_on"] = filed_on

    # Evidence
    kept = set(case.consumer.evidence_kept)
    f["evidence_kept"] = len(kept)
    f["keeps_call_records"] = bool({"call_log", "call_recordings"} & kept)
    f["as_of_date"] = as_of_local.date().isoformat()

    return {spec.name: f[spec.name] for spec in CATALOGUE}


def _complaint_state(events: list[Event], filed: list[ComplaintFiled], target: str,
                     tz: tzinfo, today: date) -> tuple[str, int, str]:
    """State (none/open/unresolved/resolved), days since filing and local filing date of the
    first complaint to ``target``; answers before that filing are ignored."""
    first = next((e.at for e in filed if e.to == target), None)
    if first is None:
        return "none", -1, ""
    answers = [e for e in events if isinstance(e, ComplaintAnswered) and e.to == target
               and e.at >= first]
    state = "open" if not answers else ("resolved" if answers[-1].resolved else "unresolved")
    filed_on = first.astimezone(tz).date()
    return state, (today - filed_on).days, filed_on.isoformat()
