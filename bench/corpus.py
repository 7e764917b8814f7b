"""A reproducible corpus of realistic cases for the benchmark and the reference-vs-engine tests.

``generate(seed, events, count)`` returns ``count`` case dicts (contract v1) of about ``events``
events each, the same for the same arguments on every machine and Python version (it only uses
``random.Random`` with an integer seed, and no set or hash ordering).

The cases cover what the rules look at: no arrangement or one of every kind, status and
arranger; third-party agents with fees and credential requests; collector contacts on every
channel, connected and not, spread over days and into quiet hours, from a pool of numbers, some
with forbidden conduct; official checks and support contacts with every outcome; the collector
informed (with or without proof); the basis demanded; complaints filed and answered; contact
details updated; naive local times and a second time zone; events out of order.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

SIZES: tuple[int, ...] = (10, 100, 1000)

_AS_OF = datetime(2026, 3, 12, 20, 0, tzinfo=timezone(timedelta(hours=8)))
_KINDS = ("deferral", "installment", "negotiated_plan")
_ARRANGED_BY = ("self", "official_support", "third_party_agent", "unknown")
_STATUS = ("claimed", "applied", "approved", "approved", "approved", "rejected", "expired",
           "unknown")
_DOCUMENTS = ("income_proof", "medical_proof", "emergency_proof", "hardship_statement", "other")
_ASKS = ("id_card", "bank_card", "sim_card", "alipay_password", "sms_code", "contacts_list",
         "upfront_fee")
_EVIDENCE = ("call_log", "call_recordings", "screenshots", "sms_records", "arrangement_proof",
             "agent_receipts", "witness_notes")
_CHANNELS = (("call", 70), ("sms", 14), ("app_message", 5), ("social_app", 3), ("email", 2),
             ("letter", 2), ("visit", 1), ("other", 3))
_CONDUCTS = ("threatened_violence", "threatened_exposure", "insulted", "contacted_third_party",
             "impersonated_authority", "false_legal_threat", "demanded_extra_fees",
             "pushed_new_loan", "demanded_private_account", "publicly_exposed", "entered_home")
_COMPLAINT_TO = ("lender", "lender", "lender", "nfra", "consumer_association", "nifa",
                 "miit_12321", "police", "court", "other")
_SUPPORT_OUTCOMES = ("arrangement_confirmed", "arrangement_confirmed", "arrangement_not_found",
                     "promised_to_stop_collection", "no_answer", "pending")
_CHECK_RESULTS = ("active", "active", "active", "not_found", "rejected", "expired")


def generate(seed: int, events: int, count: int) -> list[dict[str, Any]]:
    """``count`` cases of about ``events`` events each (exactly ``events`` per case)."""
    rng = random.Random(f"escalade-corpus/{seed}/{events}")
    return [_case(rng, events, f"bench-{events}-{seed}-{i}") for i in range(count)]


def _iso(moment: datetime, naive: bool) -> str:
    if naive:
        return moment.replace(tzinfo=None).isoformat()
    return moment.isoformat()


def _case(rng: random.Random, n_events: int, case_id: str) -> dict[str, Any]:
    tz = timezone(timedelta(hours=8))
    zone = "Asia/Shanghai" if rng.random() < 0.9 else "Asia/Urumqi"
    if zone == "Asia/Urumqi":
        tz = timezone(timedelta(hours=6))
    naive = rng.random() < 0.15  # times written without an offset, read in the case's zone
    as_of = _AS_OF - timedelta(days=rng.randrange(0, 30), minutes=rng.randrange(0, 600))
    as_of = as_of.astimezone(tz)
    span_days = max(3, int(n_events / rng.uniform(1.0, 10.0)))
    start = as_of - timedelta(days=span_days)

    def moment(lo: float = 0.0, hi: float = 1.0, quiet: bool = False) -> datetime:
        day = start + timedelta(days=int((lo + (hi - lo) * rng.random()) * span_days))
        hour = rng.choice((22, 23, 0, 1, 6, 7)) if quiet else rng.randrange(8, 22)
        at = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
        return min(at, as_of - timedelta(seconds=rng.randrange(1, 3600)))

    arrangement: dict[str, Any] | None = None
    if rng.random() < 0.9:
        arranged_by = rng.choice(_ARRANGED_BY)
        status = rng.choice(_STATUS)
        applied = moment(0.0, 0.15) if rng.random() < 0.85 else None
        approved = None
        if status == "approved" and rng.random() < 0.9:
            approved = (applied or moment(0.0, 0.1)) + timedelta(hours=rng.randrange(1, 72))
            approved = min(approved, as_of - timedelta(hours=1))
            if applied is not None and approved < applied:
                approved = applied
        agent: dict[str, Any] | None = None
        if arranged_by == "third_party_agent" and rng.random() < 0.8:
            agent = {
                "fee_paid_cny": rng.choice((None, 0, 300, 800, 1500.5, 3000)),
                "asked_for": rng.sample(_ASKS, rng.randrange(0, 4)),
                "told_not_to_pay_lender": rng.random() < 0.3,
            }
        arrangement = {
            "kind": rng.choice(_KINDS),
            "arranged_by": arranged_by,
            "status": status,
            "applied_at": _iso(applied, naive) if applied else None,
            "approved_at": _iso(approved, naive) if approved else None,
            "new_due_date": (as_of + timedelta(days=rng.randrange(20, 90))).date().isoformat()
            if rng.random() < 0.7 else None,
            "documents": rng.sample(_DOCUMENTS, rng.randrange(0, 3)),
            "agent": agent,
        }

    events: list[dict[str, Any]] = []
    other = max(1, n_events // 12)  # non-collector events: checks, support, complaints...
    numbers = [f"0{rng.randrange(10, 99)}-{rng.randrange(1000000, 9999999)}"
               for _ in range(rng.randrange(1, 6))]
    conduct_rate = rng.choice((0.0, 0.0, 0.01, 0.05))
    quiet_rate = rng.choice((0.0, 0.0, 0.02, 0.1))
    channel_names = [c for c, _ in _CHANNELS]
    channel_weights = [w for _, w in _CHANNELS]
    for _ in range(n_events - other):
        channel = rng.choices(channel_names, channel_weights)[0]
        event: dict[str, Any] = {
            "type": "collector_contact",
            "at": _iso(moment(0.05, 1.0, quiet=rng.random() < quiet_rate), naive),
            "channel": channel,
            "answered": rng.random() < 0.6,
            "by": rng.choice(("lender", "collection_agency", "collection_agency", "unknown")),
            "conduct": rng.sample(_CONDUCTS, rng.randrange(1, 3))
            if rng.random() < conduct_rate else [],
        }
        if channel in ("call", "sms") and rng.random() < 0.9:
            event["number"] = rng.choice(numbers)
        if rng.random() < 0.05:
            event["note"] = "催收员说今天必须还清"
        events.append(event)
    for _ in range(other):
        events.append(_other_event(rng, moment, naive))
    if rng.random() < 0.2:
        rng.shuffle(events)
    else:
        events.sort(key=lambda e: e["at"])

    consumer: dict[str, Any] = {
        "contact_details_current": rng.choice((True, True, False, None)),
        "evidence_kept": rng.sample(_EVIDENCE, rng.randrange(0, 4)),
    }
    return {
        "schema_version": 1,
        "case_id": case_id,
        "as_of": as_of.isoformat(),
        "timezone": zone,
        "product": "huabei",
        "consumer": consumer,
        "arrangement": arrangement,
        "events": events,
    }


def _other_event(rng: random.Random, moment: Any, naive: bool) -> dict[str, Any]:
    kind = rng.choice(("arrangement_check", "arrangement_check", "support_contact",
                       "support_contact", "collector_informed", "basis_requested",
                       "complaint_filed", "complaint_answered", "contact_details_updated"))
    at = _iso(moment(0.0, 1.0), naive)
    if kind == "arrangement_check":
        return {"type": kind, "at": at,
                "via": rng.choice(("app", "support", "sms_notice", "letter")),
                "result": rng.choice(_CHECK_RESULTS)}
    if kind == "support_contact":
        event = {"type": kind, "at": at,
                 "channel": rng.choice(("in_app", "hotline", "email", "online_chat")),
                 "outcome": rng.choice(_SUPPORT_OUTCOMES)}
        if rng.random() < 0.5:
            event["reference"] = f"CS-{rng.randrange(10000, 99999)}"
        return event
    if kind == "collector_informed":
        return {"type": kind, "at": at, "channel": rng.choice(("call", "sms", "letter")),
                "proof_provided": rng.random() < 0.5}
    if kind == "basis_requested":
        return {"type": kind, "at": at, "answered": rng.random() < 0.3}
    if kind == "complaint_filed":
        return {"type": kind, "at": at, "to": rng.choice(_COMPLAINT_TO)}
    if kind == "complaint_answered":
        return {"type": kind, "at": at, "to": rng.choice(_COMPLAINT_TO),
                "resolved": rng.random() < 0.4}
    return {"type": kind, "at": at}
