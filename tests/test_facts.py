"""Facts: pure measurements of a case, read by the rules and reported as findings."""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from escalade import parse_case
from escalade.case import Case
from escalade.facts import CATALOGUE, QuietHours, _measure, _scan_fast, _zone_spans, measure
from hypothesis import given
from hypothesis import strategies as st

from .conftest import base_case, contact
from .strategies import valid_cases

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


# -- the fast path (keys instead of datetimes) against the straightforward one ------------------

QUIET_HOURS = [QH, QuietHours(time(8), time(22)), QuietHours(time(0), time(0)),
               QuietHours(time(2, 30), time(3)), QuietHours(time(23, 59, 59, 999999), time(0))]


def fast_and_plain(case: Case, quiet_hours: QuietHours = QH) -> tuple[list[Any], list[Any]]:
    """The facts (as ordered items) by ``measure`` and by the straightforward reading."""
    return (list(measure(case, quiet_hours).items()),
            list(_measure(case, quiet_hours, fast=False).items()))


@given(case=valid_cases(max_events=20))
def test_fast_path_agrees_with_the_plain_one_on_generated_cases(case: dict[str, Any]) -> None:
    parsed = parse_case(case)
    for quiet_hours in QUIET_HOURS:
        fast, plain = fast_and_plain(parsed, quiet_hours)
        assert fast == plain


# Moments near changes of offset (and plain ones), in zones with and without daylight saving.
ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Shanghai",
         "Asia/Kathmandu", "UTC"]
NEAR = [datetime(2026, 3, 8, 2, 30), datetime(2026, 11, 1, 1, 30), datetime(2026, 3, 29, 2, 30),
        datetime(2026, 10, 25, 2, 30), datetime(2026, 4, 5, 1, 45), datetime(1991, 9, 15),
        datetime(2026, 3, 10, 12)]
WRITTEN = ["", "", "Z", "+08:00", "-05:00", "-04:00", "+01:00", "+02:00", "+10:30", "+11:00"]


@st.composite
def cases_near_offset_changes(draw: st.DrawFn) -> dict[str, Any]:
    near = draw(st.sampled_from(NEAR))

    def at() -> str:
        moment = near + timedelta(minutes=draw(st.integers(-2000, 2000)),
                                  microseconds=draw(st.sampled_from([0, 0, 1])))
        return moment.isoformat() + draw(st.sampled_from(WRITTEN))

    events: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["contact", "contact", "contact", "other"]))
        if kind == "contact":
            events.append(contact(at(), channel=draw(st.sampled_from(["call", "sms", "letter"])),
                                  answered=draw(st.booleans()),
                                  number=draw(st.sampled_from([None, "", "1", "2"]))))
        else:
            events.append(draw(st.sampled_from([
                {"type": "collector_informed", "at": at(), "channel": "sms"},
                {"type": "basis_requested", "at": at()},
                {"type": "support_contact", "at": at(), "channel": "hotline",
                 "outcome": "arrangement_confirmed"},
                {"type": "complaint_filed", "at": at(), "to": "lender"},
                {"type": "complaint_answered", "at": at(), "to": "lender", "resolved": True}])))
    arrangement = {"kind": "deferral", "arranged_by": "self", "status": "approved",
                   "approved_at": at()}
    return base_case(timezone=draw(st.sampled_from(ZONES)), events=events,
                     as_of=(near + timedelta(days=3)).isoformat() + "+00:00",
                     arrangement=arrangement if draw(st.booleans()) else None)


@given(case=cases_near_offset_changes())
def test_fast_path_agrees_with_the_plain_one_near_offset_changes(case: dict[str, Any]) -> None:
    parsed = parse_case(case)
    for quiet_hours in QUIET_HOURS:
        fast, plain = fast_and_plain(parsed, quiet_hours)
        assert fast == plain


def test_local_times_follow_daylight_saving() -> None:
    """New York: 12:30Z on 8 March 2026 is 08:30 (EDT, not quiet), not 07:30; 04:30Z on 1
    November is 00:30 on the 1st (EDT), not 23:30 on 31 October."""
    instants = ["2026-03-08T12:30:00Z", "2026-11-01T04:30:00Z", "2026-11-01T15:00:00Z"]
    zone = ZoneInfo("America/New_York")
    local = [datetime.fromisoformat(i.replace("Z", "+00:00")).astimezone(zone) for i in instants]
    assert [t.strftime("%m-%d %H:%M") for t in local] == ["03-08 08:30", "11-01 00:30",
                                                           "11-01 10:00"]
    for written in (instants, [t.isoformat() for t in local],
                    [t.replace(tzinfo=None).isoformat() for t in local]):
        case = parse_case(base_case(timezone="America/New_York",
                                    as_of="2026-11-05T12:00:00-05:00",
                                    events=[contact(at) for at in written]))
        f = measure(case, QH)
        assert f["quiet_hours_contacts"] == 1
        assert f["connected_calls_max_per_day"] == 2
        assert f["days_since_last_collector_contact"] == 4
        assert list(f.items()) == fast_and_plain(case)[1]


def test_the_fast_path_is_taken_unless_naive_times_straddle_a_change_of_offset() -> None:
    """(So that the tests above compare two different readings.)"""
    def scanned(zone: str, *times: str) -> bool:
        case = parse_case(base_case(timezone=zone, as_of="2026-12-01T00:00:00+00:00",
                                    events=[contact(t) for t in times]))
        return _scan_fast(case.events, case.tz, QH) is not None

    assert scanned("Asia/Shanghai", "2026-03-01T10:00:00+08:00", "2026-03-02T10:00:00Z")
    assert scanned("Asia/Shanghai", "2026-03-01T10:00:00", "2026-03-02T10:00:00")
    assert scanned("America/New_York", "2026-03-01T10:00:00-05:00", "2026-03-10T10:00:00-04:00")
    assert scanned("America/New_York", "2026-03-01T10:00:00", "2026-03-02T10:00:00")
    assert not scanned("America/New_York", "2026-03-01T10:00:00", "2026-03-10T10:00:00")


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Urumqi", "Asia/Kathmandu", "UTC",
                                  "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"])
def test_zone_spans_agree_with_astimezone(zone: str) -> None:
    tz = ZoneInfo(zone)
    starts, ends, offsets = _zone_spans(tz)
    assert starts and len(starts) == len(ends) == len(offsets)
    assert all(s < e for s, e in zip(starts, ends, strict=True))
    assert all(e <= s for e, s in zip(ends[:-1], starts[1:], strict=True))
    rng = random.Random(zone)
    checked = 0
    for _ in range(3000):
        instant = datetime(1850, 1, 1) + timedelta(seconds=rng.randrange(1200 * 365 * 86400))
        j = bisect_right(starts, instant) - 1
        if j >= 0 and instant < ends[j]:
            checked += 1
            expected = instant.replace(tzinfo=dt_timezone.utc).astimezone(tz)
            assert instant + offsets[j] == expected.replace(tzinfo=None)
    assert checked > 100
    if zone in ("America/New_York", "Europe/Berlin"):  # a daylight-saving rule: no span ahead
        assert ends[-1] < datetime(2040, 1, 1)
    if zone == "Asia/Shanghai":  # no change since 1991
        assert starts[-1] < datetime(1991, 10, 1) and ends[-1] > datetime(2999, 12, 31)


def test_times_in_the_case_zone_compare_by_wall_clock() -> None:
    """Python compares two times in one zone by wall clock: 02:30 on 8 March 2026 does not
    exist in New York (read as EST, 07:30Z); 03:15 (EDT, 07:15Z) is still after it."""
    case = base_case(timezone="America/New_York", as_of="2026-03-12T20:00:00-04:00",
                     events=[contact("2026-03-08T03:15:00"), contact("2026-03-08T04:00:00")])
    case["arrangement"].update(applied_at=None, approved_at="2026-03-08T02:30:00")
    parsed = parse_case(case)
    assert _scan_fast(parsed.events, parsed.tz, QH) is not None
    f = measure(parsed, QH)
    assert f["collector_contacts_after_approval"] == 2
    assert list(f.items()) == fast_and_plain(parsed)[1]
