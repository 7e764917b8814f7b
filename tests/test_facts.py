"""Facts: pure measurements of a case, read by the rules and reported as findings."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from escalade import parse_case
from escalade.facts import CATALOGUE, QuietHours, measure

from .conftest import base_case, contact

QH = QuietHours(time(22), time(8))


def facts(**overrides: Any) -> dict[str, Any]:
    return measure(parse_case(base_case(**overrides)), QH)


def test_catalogue_order_and_completeness() -> None:
    assert list(facts()) == [spec.name for spec in CATALOGUE]


def test_counts_relative_to_approval_confirmation_and_informing() -> None:
    f = facts(events=[
        contact("2026-03-01T12:00:00+08:00"),  # before approval
        {"type": "support_contact", "at": "2026-03-03T09:00:00+08:00", "channel": "hotline",
         "outcome": "arrangement_confirmed"},
        contact("2026-03-04T12:00:00+08:00"),
        {"type": "collector_informed", "at": "2026-03-05T09:00:00+08:00", "channel": "sms",
         "proof_provided": True},
        contact("2026-03-06T12:00:00+08:00"),
        contact("2026-03-07T12:00:00+08:00"),
    ])
    assert f["collector_contacts"] == 4
    assert f["collector_contacts_after_approval"] == 3
    assert f["collector_contacts_after_support_confirmation"] == 3
    assert f["collector_contacts_after_informed"] == 2
    assert f["confirmed_by_support"] is True
    assert f["collector_informed_with_proof"] is True


def test_events_in_any_order_are_sorted() -> None:
    events = [contact("2026-03-07T12:00:00+08:00"),
              {"type": "collector_informed", "at": "2026-03-05T09:00:00+08:00",
               "channel": "sms"}]
    assert facts(events=events)["collector_contacts_after_informed"] == 1


def test_calls_per_local_day_and_unanswered_attempts() -> None:
    # 23:30 UTC on the 9th is 07:30 on the 10th in Shanghai: same local day as the others.
    events = [contact("2026-03-09T23:30:00Z"), contact("2026-03-10T10:00:00+08:00"),
              contact("2026-03-10T11:00:00+08:00"),
              *[contact(f"2026-03-11T1{i}:00:00+08:00", answered=False) for i in range(5)]]
    f = facts(events=events)
    assert f["connected_calls_max_per_day"] == 3
    assert f["unanswered_calls_max_per_day"] == 5
    assert f["quiet_hours_contacts"] == 1


@pytest.mark.parametrize("local, quiet", [
    ("21:59", False), ("22:00", True), ("23:59", True), ("00:00", True), ("07:59", True),
    ("08:00", False), ("12:00", False),
])
def test_quiet_hours_boundaries(local: str, quiet: bool) -> None:
    f = facts(events=[contact(f"2026-03-10T{local}:00+08:00", channel="sms")])
    assert f["quiet_hours_contacts"] == int(quiet)


def test_quiet_hours_use_the_case_timezone() -> None:
    event = [contact("2026-03-10T14:30:00Z")]  # 22:30 in Shanghai, 14:30 in London
    assert facts(events=event)["quiet_hours_contacts"] == 1
    assert facts(events=event, timezone="Europe/London")["quiet_hours_contacts"] == 0


def test_lender_complaint_clock() -> None:
    filed = {"type": "complaint_filed", "at": "2026-02-25T10:00:00+08:00", "to": "lender"}
    f = facts(events=[filed])
    assert (f["lender_complaint"], f["lender_complaint_days"]) == ("open", 15)
    assert f["lender_complaint_filed_on"] == "2026-02-25"
    answered = {"type": "complaint_answered", "at": "2026-03-01T10:00:00+08:00", "to": "lender",
                "resolved": False}
    assert facts(events=[filed, answered])["lender_complaint"] == "unresolved"
    assert facts()["lender_complaint_days"] == -1


def test_agent_and_conduct_flags() -> None:
    case = base_case(events=[contact("2026-03-10T10:00:00+08:00",
                                     conduct=["contacted_third_party", "insulted"])])
    case["arrangement"].update(arranged_by="third_party_agent", status="claimed",
                               approved_at=None,
                               agent={"fee_paid_cny": 99.9, "asked_for": ["sms_code", "id_card",
                                                                          "upfront_fee"],
                                      "told_not_to_pay_lender": True})
    f = measure(parse_case(case), QH)
    assert f["agent_involved"] and f["agent_fee_cny"] == 99
    assert f["agent_credentials_asked"] == 2 and f["agent_asked_upfront_fee"]
    assert f["conduct_contacted_third_party"] == 1 and f["conduct_contacts"] == 1


def test_contact_details_tristate_and_update_event() -> None:
    assert facts(consumer={"contact_details_current": None})["contact_details"] == "unknown"
    assert facts(consumer={"contact_details_current": False},
                 events=[{"type": "contact_details_updated",
                          "at": "2026-03-05T10:00:00+08:00"}])["contact_details"] == "current"
