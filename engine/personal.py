"""Personal data in the trace, only when asked for (``trace_personal``).

A decision never carries a collector's phone number or a free-text note: the facts are counts and
flags. With ``Engine.evaluate(..., trace_personal=True)`` (``escalade evaluate --trace-personal``)
each fired rule's trace entry also lists the case events behind it, whole, numbers and notes
included, so a person can see which calls made a rule fire.

"The events behind a rule" are the events of the types that the facts it matched are measured
from (``EVENT_SOURCES``), in the case's order, each with its index in the input ``events`` list.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from .case import Case
from .decision import Decision, TraceEntry

# Fact-name patterns -> the event types the fact is measured from. A fact may match several
# patterns (the union counts); a fact that matches none is read from the case's other parts
# (arrangement, consumer, agent, as_of) and has no events behind it.
EVENT_SOURCES: tuple[tuple[str, frozenset[str]], ...] = (
    ("collector_contacts*", frozenset({"collector_contact"})),
    ("collector_numbers", frozenset({"collector_contact"})),
    ("connected_calls_*", frozenset({"collector_contact"})),
    ("unanswered_calls_*", frozenset({"collector_contact"})),
    ("quiet_hours_contacts", frozenset({"collector_contact"})),
    ("conduct_*", frozenset({"collector_contact"})),
    ("days_since_last_collector_contact", frozenset({"collector_contact"})),
    ("collector_contacts_after_verification",
     frozenset({"arrangement_check", "support_contact"})),
    ("collector_contacts_after_support_confirmation",
     frozenset({"arrangement_check", "support_contact"})),
    ("collector_contacts_after_informed", frozenset({"collector_informed"})),
    ("collector_contacts_after_basis_requested", frozenset({"basis_requested"})),
    ("official_check", frozenset({"arrangement_check", "support_contact"})),
    ("checked_in_app", frozenset({"arrangement_check"})),
    ("confirmed_by_support", frozenset({"arrangement_check", "support_contact"})),
    ("support_*", frozenset({"support_contact"})),
    ("contact_details", frozenset({"contact_details_updated"})),
    ("collector_informed*", frozenset({"collector_informed"})),
    ("basis_*", frozenset({"basis_requested"})),
    ("complaint_*_filed", frozenset({"complaint_filed"})),
    ("lender_complaint*", frozenset({"complaint_filed", "complaint_answered"})),
    ("nfra_complaint*", frozenset({"complaint_filed", "complaint_answered"})),
    ("collector_contacts_after_support_promise", frozenset({"support_contact"})),
)

# Facts measured from the rest of the case only (no event is behind them).
NO_EVENTS: tuple[str, ...] = (
    "has_arrangement", "arrangement_*", "arranged_by", "documents_submitted",
    "emergency_documents", "agent_*", "evidence_kept", "keeps_call_records", "as_of_date",
)


def event_types_for(fact: str) -> frozenset[str]:
    """The event types ``fact`` is measured from (empty for arrangement/consumer facts)."""
    found: set[str] = set()
    for pattern, types in EVENT_SOURCES:
        if fnmatchcase(fact, pattern):
            found |= types
    return frozenset(found)


def is_classified(fact: str) -> bool:
    """Whether ``fact`` is covered by ``EVENT_SOURCES`` or ``NO_EVENTS`` (checked by a test)."""
    return bool(event_types_for(fact)) or any(fnmatchcase(fact, p) for p in NO_EVENTS)


def with_personal_trace(decision: Decision, case: Case) -> Decision:
    """``decision`` with each fired trace entry's ``events`` filled in from ``case``."""
    dumped = [(i, e.type, e.model_dump(mode="json", exclude_none=True))
              for i, e in enumerate(case.events)]
    trace: list[TraceEntry] = []
    for entry in decision.trace:
        if not entry.fired:
            trace.append(entry)
            continue
        types: set[str] = set()
        for fact in entry.matched:
            types |= event_types_for(fact)
        events: list[dict[str, Any]] = [{"index": i, **data} for i, kind, data in dumped
                                        if kind in types]
        trace.append(entry.model_copy(update={"events": events}))
    return decision.model_copy(update={"trace": trace})
