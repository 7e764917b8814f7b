"""The case model: strict validation, every problem by JSON path, consistency checks."""

from __future__ import annotations

import json

import pytest
from escalade import InvalidCase, parse_case

from .conftest import base_case, contact


def problems(raw: object) -> list[str]:
    with pytest.raises(InvalidCase) as info:
        parse_case(raw if isinstance(raw, (str, bytes)) else json.dumps(raw))
    return [str(p) for p in info.value.problems]


def test_valid_case_parses_and_naive_times_read_in_case_timezone() -> None:
    case = parse_case(base_case(as_of="2026-03-12T20:00:00", timezone="Asia/Shanghai"))
    assert case.as_of.isoformat() == "2026-03-12T20:00:00+08:00"


def test_every_problem_listed_by_json_path() -> None:
    found = problems(base_case(
        product="jiebei",
        events=[contact("2026-03-10T10:00:00+08:00", channel="fax"),
                {"type": "support_contact", "at": "2026-03-10T10:00:00+08:00",
                 "channel": "hotline", "outcome": "ok"}],
        extra_field=1,
    ))
    joined = "\n".join(found)
    assert any(p.startswith("product:") for p in found)
    assert "events[0].channel: 'fax' is not one of" in joined
    assert any(p.startswith("events[1].outcome:") for p in found)
    assert "extra_field: unknown field" in joined
    assert len(found) == 4


def test_unknown_event_type_is_named() -> None:
    found = problems(base_case(events=[{"type": "visit_by_aliens", "at": "2026-03-01T00:00:00"}]))
    assert found[0].startswith("events[0]:") and "visit_by_aliens" in found[0]


@pytest.mark.parametrize("raw, expected", [
    (b"", "input is empty"),
    (b"   \n", "input is empty"),
    (b"\xff\xfe{", "not UTF-8"),
    (b"{\"a\": ", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object, not an array"),
    (b"\"text\"", "must be a JSON object, not a string"),
])
def test_garbage_input_is_one_clear_problem(raw: bytes, expected: str) -> None:
    found = problems(raw)
    assert len(found) == 1 and expected in found[0]


def test_strict_types_no_coercion() -> None:
    found = problems(base_case(schema_version="1",
                               consumer={"contact_details_current": "yes", "evidence_kept": []}))
    assert any(p.startswith("schema_version:") for p in found)
    assert any(p.startswith("consumer.contact_details_current:") for p in found)


def test_event_after_as_of_is_rejected() -> None:
    found = problems(base_case(events=[contact("2026-03-13T10:00:00+08:00")]))
    assert found == ["events[0].at: is after as_of"]


def test_approval_before_application_is_rejected() -> None:
    case = base_case()
    case["arrangement"]["approved_at"] = "2026-02-01T10:00:00+08:00"
    assert problems(case) == ["arrangement.approved_at: is before applied_at"]


def test_unknown_timezone_is_rejected() -> None:
    assert problems(base_case(timezone="Mars/Olympus"))[0].startswith("timezone:")
