"""The cn-huabei pack, rule by rule: each rule fires where it should and not past its boundary,
through the real Engine (durable_rules); its texts are bilingual, practical and never tell
anyone to stop repaying; the facts it added are measured right."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, time
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from escalade import Decision, Engine, default_pack_dir, parse_case
from escalade.facts import QuietHours, measure
from escalade.pack.model import Pack
from escalade.render import render_text
from ruamel.yaml import YAML

from .conftest import EXAMPLES, base_case, contact

QH = QuietHours(time(22), time(8))
ORIGINAL_RULES = {
    "s2-update-contact-details", "s1-prepare-deferral-documents", "s3-reverify-arrangement",
    "s3-contact-support-after-check", "s3-contact-support-not-found", "s4-explain-to-collector",
    "s4-demand-basis", "police-threats-to-safety", "s6-too-frequent", "conduct-forbidden",
    "lender-complaint-first", "regulator-after-lender-deadline", "harassing-numbers",
    "agent-red-flags", "agent-credentials-handed", "agent-deal-not-found",
}
ORIGINAL_ADVICE = {
    "plan_spending_and_repayment", "check_account_information", "follow_policy_changes",
    "use_installments_carefully", "build_credit_record", "talk_to_support_early",
    "keep_spending_within_means", "keep_emergency_fund",
}
NO_ARRANGEMENT: Any = None


# --- helpers -------------------------------------------------------------------------------


def at(day: int, hm: str = "10:00", month: int = 3) -> str:
    return f"2026-{month:02d}-{day:02d}T{hm}:00+08:00"


def support(day: int, outcome: str, hm: str = "09:00") -> dict[str, Any]:
    return {"type": "support_contact", "at": at(day, hm), "channel": "hotline", "outcome": outcome}


def informed(day: int, proof: bool, hm: str = "10:30") -> dict[str, Any]:
    return {"type": "collector_informed", "at": at(day, hm), "channel": "sms",
            "proof_provided": proof}


def filed(day: int, to: str, month: int = 3, hm: str = "10:00") -> dict[str, Any]:
    return {"type": "complaint_filed", "at": at(day, hm, month), "to": to}


def answered(day: int, to: str, resolved: bool, month: int = 3) -> dict[str, Any]:
    return {"type": "complaint_answered", "at": at(day, "12:00", month), "to": to,
            "resolved": resolved}


def facts(**overrides: Any) -> dict[str, Any]:
    return measure(parse_case(base_case(**overrides)), QH)


@pytest.fixture
def decide(engine: Engine) -> Callable[..., Decision]:
    def run(lang: str = "zh-CN", **overrides: Any) -> Decision:
        return engine.evaluate(base_case(**overrides), lang=lang)

    return run


def by_action(d: Decision) -> dict[str, str]:
    """action id -> the rule that speaks for it."""
    return {a.action: a.rule for a in d.actions}


def agent_arrangement(**agent: Any) -> dict[str, Any]:
    return {"kind": "deferral", "arranged_by": "third_party_agent", "status": "claimed",
            "applied_at": at(1), "approved_at": None, "new_due_date": "2026-05-10",
            "documents": ["income_proof"],
            "agent": {"fee_paid_cny": 0, "asked_for": [], "told_not_to_pay_lender": False,
                      **agent}}


def arrangement(**fields: Any) -> dict[str, Any]:
    a: dict[str, Any] = base_case()["arrangement"]
    a.update(fields)
    return a


CONFIRMED = support(3, "arrangement_confirmed")


# --- new facts -----------------------------------------------------------------------------


def test_contacts_after_support_promise_count_from_the_first_promise() -> None:
    f = facts(events=[contact(at(3)), support(4, "promised_to_stop_collection"),
                      contact(at(5)), support(6, "promised_to_stop_collection"), contact(at(7))])
    assert f["support_promised_to_stop"] is True
    assert f["collector_contacts_after_support_promise"] == 2
    assert facts(events=[contact(at(5))])["collector_contacts_after_support_promise"] == 0


@pytest.mark.parametrize(("events", "state", "days", "filed_on"), [
    ([], "none", -1, ""),
    ([filed(5, "nfra")], "open", 7, "2026-03-05"),
    ([filed(5, "nfra"), answered(8, "nfra", False)], "unresolved", 7, "2026-03-05"),
    ([filed(5, "nfra"), answered(8, "nfra", True)], "resolved", 7, "2026-03-05"),
    # an answer before the complaint, or to another complaint, says nothing about this one
    ([answered(4, "nfra", True), filed(5, "nfra"), answered(8, "lender", True)], "open", 7,
     "2026-03-05"),
])
def test_nfra_complaint_state(events: list[dict[str, Any]], state: str, days: int,
                              filed_on: str) -> None:
    f = facts(events=events)
    assert (f["nfra_complaint"], f["nfra_complaint_days"], f["nfra_complaint_filed_on"]) == (
        state, days, filed_on)


def test_complaint_dates_are_local_calendar_days() -> None:
    # 17:30 UTC on 4 March is 01:30 on 5 March in Shanghai
    f = facts(events=[{"type": "complaint_filed", "at": "2026-03-04T17:30:00+00:00",
                       "to": "nfra"},
                      {"type": "complaint_filed", "at": "2026-03-04T17:30:00+00:00",
                       "to": "lender"}])
    assert f["nfra_complaint_filed_on"] == f["lender_complaint_filed_on"] == "2026-03-05"
    assert f["nfra_complaint_days"] == f["lender_complaint_days"] == 7


# --- ordinary collection is no reason to confront the collector ------------------------------


CONFRONT = {"explain_to_collector", "demand_basis_and_keep_evidence"}


def test_no_arrangement_ordinary_collection(decide: Callable[..., Decision]) -> None:
    d = decide(arrangement=NO_ARRANGEMENT, events=[contact(at(5)), contact(at(9), channel="sms")])
    assert not CONFRONT & set(by_action(d))
    assert d.escalation == "none"


def test_collection_before_approval(decide: Callable[..., Decision]) -> None:
    d = decide(arrangement=arrangement(approved_at=at(6)),
               events=[contact(at(2)), contact(at(4)), support(7, "arrangement_confirmed")])
    assert d.escalation == "none"
    assert not CONFRONT & set(by_action(d))


def test_collection_after_confirmation_is_explained(decide: Callable[..., Decision]) -> None:
    d = decide(events=[CONFIRMED, contact(at(5))])
    assert by_action(d)["explain_to_collector"] == "s4-explain-to-collector"
    assert d.escalation == "confront_collector"


@pytest.mark.parametrize("told", [[], [informed(5, True)], [informed(5, False)]])
@pytest.mark.parametrize("status", ["rejected", "expired"])
def test_rejected_or_ended_arrangement_is_not_confronted(
        decide: Callable[..., Decision], status: str, told: list[dict[str, Any]]) -> None:
    d = decide(arrangement=arrangement(status=status),
               events=[CONFIRMED, contact(at(5)), *told, contact(at(8))])
    actions = by_action(d)
    assert not CONFRONT & set(actions)
    assert "reverify_arrangement" not in actions
    assert actions["contact_official_support"] == "s1-arrangement-ended"
    assert d.escalation == "contact_support"


def test_rejected_without_documents_prepares_them(decide: Callable[..., Decision]) -> None:
    d = decide(arrangement=arrangement(status="rejected", approved_at=None, documents=[]),
               events=[{"type": "arrangement_check", "at": at(3), "via": "app",
                        "result": "rejected"}, contact(at(5))])
    actions = by_action(d)
    assert actions["prepare_deferral_documents"] == "s1-reapply-with-documents"
    assert actions["contact_official_support"] == "s3-contact-support-not-found"
    with_docs = decide(arrangement=arrangement(status="rejected", approved_at=None))
    assert "prepare_deferral_documents" not in by_action(with_docs)


# --- §四 / §五 the collector ---------------------------------------------------------------


def test_informed_without_proof_sends_proof(decide: Callable[..., Decision]) -> None:
    d = decide(events=[CONFIRMED, contact(at(5)), informed(5, False), contact(at(8))])
    actions = by_action(d)
    assert actions["explain_to_collector"] == "s5-inform-with-proof"
    assert actions["demand_basis_and_keep_evidence"] == "s4-demand-basis"


def test_informed_with_proof_goes_straight_to_the_basis(decide: Callable[..., Decision]) -> None:
    d = decide(events=[CONFIRMED, contact(at(5)), informed(5, True), contact(at(8))])
    actions = by_action(d)
    assert "explain_to_collector" not in actions
    assert actions["demand_basis_and_keep_evidence"] == "s4-demand-basis"


def test_informed_without_proof_and_then_quiet(decide: Callable[..., Decision]) -> None:
    d = decide(events=[CONFIRMED, contact(at(5)), informed(5, False)])
    assert not CONFRONT & set(by_action(d))


def test_persisting_after_the_basis_demand_goes_to_the_lender(
        decide: Callable[..., Decision]) -> None:
    events = [CONFIRMED, contact(at(5)), informed(5, True), contact(at(6)),
              {"type": "basis_requested", "at": at(6, "11:00"), "answered": False}]
    d = decide(events=[*events, contact(at(9))])
    assert by_action(d)["file_complaint_with_lender"] == "s4-persists-after-basis"
    assert d.escalation == "confront_collector"
    quiet = decide(events=events)
    assert "file_complaint_with_lender" not in by_action(quiet)
    already = decide(events=[*events, filed(8, "lender"), contact(at(9))])
    assert "file_complaint_with_lender" not in by_action(already)
    assert by_action(already)["contact_official_support"] == "lender-complaint-follow-up"


def test_broken_support_promise(decide: Callable[..., Decision]) -> None:
    promise = support(4, "promised_to_stop_collection")
    d = decide(events=[CONFIRMED, promise, contact(at(6))])
    assert by_action(d)["file_complaint_with_lender"] == "s3-promise-broken"
    before = decide(events=[CONFIRMED, contact(at(3, "12:00")), promise])
    assert "file_complaint_with_lender" not in by_action(before)


# --- complaint clocks ----------------------------------------------------------------------


def lender_case(as_of_day: int, *extra: dict[str, Any]) -> dict[str, Any]:
    """App check found the plan active, collection went on, complaint to Huabei on 1 March."""
    return {"as_of": at(as_of_day, "20:00", 3 if as_of_day <= 31 else 4),
            "arrangement": arrangement(applied_at=at(1, "10:00", 2),
                                       approved_at=at(2, "10:00", 2)),
            "events": [{"type": "arrangement_check", "at": at(3, "09:00", 2), "via": "app",
                        "result": "active"},
                       contact(at(20, "10:00", 2)), filed(1, "lender"), *extra]}


@pytest.mark.parametrize("as_of_day", [1, 16])
def test_open_lender_complaint_is_followed_up_until_due(
        decide: Callable[..., Decision], as_of_day: int) -> None:
    d = decide(**lender_case(as_of_day))
    actions = {a.action: a for a in d.actions}
    follow = actions["contact_official_support"]
    assert follow.rule == "lender-complaint-follow-up"
    assert follow.due == date(2026, 3, 16)
    assert "file_with_regulator" not in actions
    assert "s3-contact-support-after-check" not in {t.rule for t in d.trace}
    assert d.escalation == "contact_support"


def test_lender_deadline_passed_goes_to_the_regulator(decide: Callable[..., Decision]) -> None:
    d = decide(**lender_case(17))
    actions = {a.action: a for a in d.actions}
    assert actions["file_with_regulator"].rule == "regulator-after-lender-deadline"
    assert actions["file_with_regulator"].due == date(2026, 3, 16)
    assert "contact_official_support" not in actions
    assert "file_complaint_with_lender" not in actions


def test_unresolved_lender_answer_goes_to_the_regulator(decide: Callable[..., Decision]) -> None:
    d = decide(**lender_case(5, answered(4, "lender", False)))
    assert by_action(d)["file_with_regulator"] == "regulator-after-lender-deadline"
    resolved = decide(**lender_case(5, answered(4, "lender", True)))
    assert "file_with_regulator" not in by_action(resolved)


def test_open_regulator_complaint_is_followed_up_not_refiled(
        decide: Callable[..., Decision]) -> None:
    night = contact(at(4, "23:30"))
    d = decide(events=[night, filed(5, "nfra"), filed(1, "lender")])
    action = next(a for a in d.actions if a.action == "file_with_regulator")
    assert action.rule == "regulator-follow-up"
    assert action.due == date(2026, 3, 20)
    assert "s6-too-frequent" in action.also_advised_by
    closed = decide(events=[night, filed(5, "nfra"), answered(9, "nfra", True)])
    assert by_action(closed)["file_with_regulator"] == "s6-too-frequent"


def test_first_regulator_complaint_asks_for_the_lender_complaint_too(
        decide: Callable[..., Decision]) -> None:
    d = decide(arrangement=NO_ARRANGEMENT, events=[contact(at(4, "23:30"))])
    assert by_action(d)["file_complaint_with_lender"] == "lender-complaint-first"
    assert next(a for a in d.actions if a.action == "file_with_regulator").due is None


# --- frequency and time (parameters) --------------------------------------------------------


@pytest.mark.parametrize(("hm", "fires"), [("21:59", False), ("22:00", True), ("07:59", True),
                                           ("08:00", False)])
def test_quiet_hours_boundaries(decide: Callable[..., Decision], hm: str, fires: bool) -> None:
    d = decide(arrangement=NO_ARRANGEMENT, events=[contact(at(5, hm))])
    assert ("file_with_regulator" in by_action(d)) is fires


@pytest.mark.parametrize(("n", "fires"), [(3, False), (4, True)])
def test_connected_calls_per_day(decide: Callable[..., Decision], n: int, fires: bool) -> None:
    calls = [contact(at(5, f"{10 + i}:00"), number="+86 10 0000 0001") for i in range(n)]
    actions = by_action(decide(arrangement=NO_ARRANGEMENT, events=calls))
    assert ("file_with_regulator" in actions) is fires
    assert ("report_harassing_numbers" in actions) is fires


@pytest.mark.parametrize(("n", "fires"), [(6, False), (7, True)])
def test_unanswered_attempts_per_day(decide: Callable[..., Decision], n: int, fires: bool) -> None:
    calls = [contact(at(5, f"{10 + i}:00"), answered=False, number="+86 10 0000 0001")
             for i in range(n)]
    actions = by_action(decide(arrangement=NO_ARRANGEMENT, events=calls))
    assert ("file_with_regulator" in actions) is fires
    assert ("report_harassing_numbers" in actions) is fires


def test_calls_on_different_days_do_not_add_up(decide: Callable[..., Decision]) -> None:
    calls = [contact(at(day, f"{10 + i}:00")) for day in (5, 6) for i in range(3)]
    assert "file_with_regulator" not in by_action(decide(arrangement=NO_ARRANGEMENT,
                                                         events=calls))


def test_harassing_numbers_need_a_number(decide: Callable[..., Decision]) -> None:
    d = decide(arrangement=NO_ARRANGEMENT,
               events=[contact(at(5), conduct=["insulted"])])
    assert "report_harassing_numbers" not in by_action(d)
    d = decide(arrangement=NO_ARRANGEMENT,
               events=[contact(at(5), conduct=["insulted"], number="+86 10 0000 0001")])
    assert by_action(d)["report_harassing_numbers"] == "harassing-numbers"


# --- conduct forbidden whatever the arrangement; the police side track -----------------------


@pytest.mark.parametrize("conduct", ["threatened_violence", "entered_home", "publicly_exposed"])
@pytest.mark.parametrize("arr", ["none", "confirmed"])
def test_police_and_urgent(decide: Callable[..., Decision], conduct: str, arr: str) -> None:
    events = [contact(at(5), conduct=[conduct])]
    d = (decide(arrangement=NO_ARRANGEMENT, events=events) if arr == "none"
         else decide(events=[CONFIRMED, *events]))
    assert d.urgent is True
    assert d.actions[0].action == "report_to_police"
    assert d.actions[0].urgent is True
    assert by_action(d)["file_with_regulator"] == "conduct-forbidden"


@pytest.mark.parametrize("conduct", [
    "contacted_third_party", "impersonated_authority", "false_legal_threat", "demanded_extra_fees",
    "demanded_private_account", "threatened_exposure", "insulted", "pushed_new_loan"])
@pytest.mark.parametrize("arr", ["none", "confirmed", "rejected"])
def test_forbidden_conduct_goes_to_the_regulator_whatever_the_arrangement(
        decide: Callable[..., Decision], conduct: str, arr: str) -> None:
    events = [contact(at(5), conduct=[conduct])]
    if arr == "none":
        d = decide(arrangement=NO_ARRANGEMENT, events=events)
    elif arr == "rejected":
        d = decide(arrangement=arrangement(status="rejected"), events=events)
    else:
        d = decide(events=[CONFIRMED, *events])
    actions = by_action(d)
    assert actions["file_with_regulator"] == "conduct-forbidden"
    assert actions["file_complaint_with_lender"] == "lender-complaint-first"
    assert "report_to_police" not in actions
    assert d.urgent is False


# --- third-party agents ---------------------------------------------------------------------


def test_agent_claim_is_unverified(decide: Callable[..., Decision]) -> None:
    d = decide(arrangement=agent_arrangement(), events=[contact(at(5))])
    actions = by_action(d)
    assert actions["reverify_arrangement"] == "s3-reverify-arrangement"
    assert "stop_using_agent" not in actions  # no red flag yet
    assert not CONFRONT & set(actions)


@pytest.mark.parametrize("flag", [{"fee_paid_cny": 500}, {"asked_for": ["upfront_fee"]},
                                  {"told_not_to_pay_lender": True}, {"asked_for": ["sms_code"]}])
def test_agent_red_flags(decide: Callable[..., Decision], flag: dict[str, Any]) -> None:
    actions = by_action(decide(arrangement=agent_arrangement(**flag)))
    assert actions["stop_using_agent"] == "agent-red-flags"
    assert ("secure_account" in actions) is (flag.get("asked_for") == ["sms_code"])


@pytest.mark.parametrize(("fee", "result", "complains"), [
    (800, "not_found", True), (800, "expired", True), (0, "not_found", False),
    (800, "active", False)])
def test_agent_deal_not_found_with_money_paid(decide: Callable[..., Decision], fee: int,
                                              result: str, complains: bool) -> None:
    check = {"type": "arrangement_check", "at": at(5), "via": "app", "result": result}
    d = decide(arrangement=agent_arrangement(fee_paid_cny=fee), events=[check])
    assert ("file_with_consumer_association" in by_action(d)) is complains


def test_agent_complaint_already_filed_is_not_readvised(decide: Callable[..., Decision]) -> None:
    check = {"type": "arrangement_check", "at": at(5), "via": "app", "result": "not_found"}
    d = decide(arrangement=agent_arrangement(fee_paid_cny=800),
               events=[check, filed(6, "consumer_association")])
    assert "file_with_consumer_association" not in by_action(d)


# --- §八 advice, chosen by the case ----------------------------------------------------------


def advice_ids(d: Decision) -> set[str]:
    return {a.id for a in d.advice}


def test_installment_and_emergency_advice(decide: Callable[..., Decision]) -> None:
    plan = decide(arrangement=arrangement(kind="installment", documents=["medical_proof"]))
    assert {"use_installments_carefully", "keep_emergency_fund"} <= advice_ids(plan)
    deferral = decide()
    assert not {"use_installments_carefully", "keep_emergency_fund"} & advice_ids(deferral)


def test_new_due_date_advice_needs_a_live_arrangement(decide: Callable[..., Decision]) -> None:
    due_date = {"plan_spending_and_repayment", "build_credit_record"}
    assert due_date <= advice_ids(decide())
    assert not due_date & advice_ids(decide(arrangement=arrangement(status="rejected")))
    not_found = {"type": "arrangement_check", "at": at(5), "via": "app", "result": "not_found"}
    assert not due_date & advice_ids(decide(arrangement=agent_arrangement(), events=[not_found]))
    assert not due_date & advice_ids(decide(arrangement=NO_ARRANGEMENT))


def test_credit_report_advice(decide: Callable[..., Decision]) -> None:
    assert "check_credit_report" in advice_ids(decide(events=[CONFIRMED, contact(at(5))]))
    assert "check_credit_report" not in advice_ids(decide(events=[contact(at(5))]))
    handed = decide(arrangement=agent_arrangement(asked_for=["id_card"]))
    assert "check_credit_report" in advice_ids(handed)


# --- the pack as a whole ---------------------------------------------------------------------


def test_existing_ids_are_kept(pack: Pack) -> None:
    assert {r.id for r in pack.rules} >= ORIGINAL_RULES
    assert {a.id for a in pack.advice} >= ORIGINAL_ADVICE


STOP_REPAYING = re.compile(
    r"停止还款|停止偿还|停还|不要还款|不用还|别还|无需还款|不必还款|不还款|"
    r"stop (re)?pay|stop (making )?(re)?payments|don'?t (re)?pay|do not (re)?pay|"
    r"no need to (re)?pay|skip (a |the )?(re)?payment",
    re.IGNORECASE)


def all_texts(pack: Pack) -> Iterator[tuple[str, str, str]]:
    for rule in pack.rules:
        for lang, text in rule.text.items():
            for s in (text.title, text.why, *text.steps):
                yield rule.id, lang, s
    for item in pack.advice:
        for lang, s in item.text.items():
            yield item.id, lang, s
    for lang, s in pack.notice.items():
        yield "notice", lang, s


def test_every_rule_and_advice_item_is_bilingual(pack: Pack) -> None:
    for rule in pack.rules:
        assert set(rule.text) == {"zh-CN", "en"}, rule.id
        assert rule.cites, rule.id
    for item in pack.advice:
        assert set(item.text) == {"zh-CN", "en"}, item.id
        assert any("§八" in c for c in item.cites), item.id


def test_no_text_advises_to_stop_repaying(pack: Pack) -> None:
    bad = [(item, lang, s) for item, lang, s in all_texts(pack) if STOP_REPAYING.search(s)]
    assert bad == []


def test_the_phrase_check_can_fail() -> None:
    for s in ("先停止还款", "don't pay the lender", "You can stop repaying for now."):
        assert STOP_REPAYING.search(s)


def test_notice_says_not_legal_advice_and_keep_repaying(pack: Pack) -> None:
    assert "不构成法律意见" in pack.notice["zh-CN"]
    assert "not legal advice" in pack.notice["en"].lower()
    assert "偿还" in pack.notice["zh-CN"] and "repaid" in pack.notice["en"]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_rendered_plan_ends_with_the_notice(engine: Engine, pack: Pack, lang: str) -> None:
    d = engine.evaluate(base_case(events=[CONFIRMED, contact(at(5))]), lang=lang)
    assert render_text(d, pack).rstrip().splitlines()[-1] == pack.notice[lang]


def test_regulator_is_nfra(pack: Pack) -> None:
    for item, _lang, s in all_texts(pack):
        if "银保监会" in s or "CBIRC" in s:
            assert "国家金融监督管理总局" in s or "NFRA" in s, item
    for rule in pack.rules:
        if rule.action == "file_with_regulator":
            assert "nfra_12378" in rule.channels, rule.id
            assert any("12378" in s for s in rule.text["zh-CN"].steps), rule.id


def _yaml_conditions(node: Any) -> Iterator[tuple[str, Any]]:
    for cond in node or []:
        for key, value in cond.items():
            if key == "any":
                yield from _yaml_conditions(value)
            elif key != "advised":
                yield key, value


def test_thresholds_are_sourced_parameters(pack: Pack) -> None:
    """Numbers in conditions are parameters tagged C or S; bare 0/1 only test presence."""
    yaml = YAML(typ="safe")
    for path in sorted(Path(default_pack_dir()).glob("*.yaml")):
        doc = yaml.load(path.read_text("utf-8")) or {}
        for item in [*doc.get("rules", []), *doc.get("advice", [])]:
            for fact, value in _yaml_conditions(item.get("when")):
                operand = next(iter(value.values())) if isinstance(value, dict) else value
                if isinstance(operand, dict):
                    param = pack.parameters[operand["param"]]
                    assert param.confidence in ("C", "S"), (item["id"], fact)
                elif isinstance(operand, int) and not isinstance(operand, bool):
                    assert operand in (0, 1), (item["id"], fact, operand)
            due = item.get("due")
            if due:
                assert pack.parameters[due["days"]["param"]].confidence in ("C", "S")


def test_new_example_runs_on_the_command_line(
        run_cli: Callable[..., CompletedProcess[str]]) -> None:
    path = EXAMPLES / "cases" / "lender-complaint-open.json"
    out = run_cli("evaluate", str(path), "--format", "json")
    assert out.returncode == 0, out.stderr
    decision = json.loads(out.stdout)
    assert [(a["action"], a["due"]) for a in decision["actions"]] == [
        ("contact_official_support", "2026-03-21")]
    text = run_cli("evaluate", str(path), "--lang", "en")
    assert text.returncode == 0, text.stderr
    assert "Due: 2026-03-21" in text.stdout
    assert "not legal advice" in text.stdout


def test_coverage_map_names_every_rule_and_advice_item(pack: Pack) -> None:
    text = (Path(default_pack_dir()) / "COVERAGE.md").read_text("utf-8")
    named = set(re.findall(r"`([a-z0-9][a-z0-9_.-]+)`", text))
    ids = {r.id for r in pack.rules} | {a.id for a in pack.advice}
    assert ids <= named
    examples = {p.stem for p in (EXAMPLES / "cases").glob("*.json")}
    for row in re.findall(r"^\|.*\| ([a-z0-9, -]*) \|$", text, flags=re.M):
        for name in filter(None, (n.strip() for n in row.split(","))):
            assert name in examples or name == "example", name
