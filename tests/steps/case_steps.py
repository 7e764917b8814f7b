"""Step definitions of the zh-CN feature files (loaded by ``pytest_plugins`` in conftest).

Given steps tell the consumer's story one sentence at a time and build a contract v1 case on top
of ``base_case()``/``contact()``; the When step evaluates it with the real Engine (and records
the rules that fired, for the coverage test and the living documentation); Then steps check the
decision. Events told without a time happen one local day apart, in the order they are told,
starting the day after the arrangement; "today" (``as_of``) is 2026-03-12 20:00 Shanghai time
unless a step says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from escalade import Engine
from escalade.decision import Action, Decision
from pytest_bdd import given, parsers, then, when

from ..conftest import base_case, contact, load_example
from ..livingdoc import record_fired
from .words import (
    ACTIONS,
    AGENT_ASKS,
    ARRANGEMENT_KINDS,
    ARRANGEMENT_STATUSES,
    CHECK_RESULTS,
    CONDUCTS,
    CONTACT_DETAILS,
    DOCUMENTS,
    RUNGS,
    term,
    yes_no,
)

COLLECTOR_NUMBER = "催收号码-1"  # a label, not a phone number: no personal data in the tests
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass
class Story:
    """The case being told, and the moment of the latest event told so far."""

    case: dict[str, Any]
    clock: datetime

    @classmethod
    def of(cls, case: dict[str, Any]) -> Story:
        tz = ZoneInfo(case["timezone"])
        a = case.get("arrangement") or {}
        times = [datetime.fromisoformat(t) for t in
                 [a.get("approved_at"), a.get("applied_at")] + [e["at"] for e in case["events"]]
                 if t]
        start = max(times) if times else datetime(2026, 3, 2, 10, 0, tzinfo=tz)
        return cls(case, start if start.tzinfo else start.replace(tzinfo=tz))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.case["timezone"])

    @property
    def now(self) -> datetime:
        """``as_of``: the moment the case is evaluated."""
        return datetime.fromisoformat(self.case["as_of"]).astimezone(self.tz)

    @property
    def arrangement(self) -> dict[str, Any]:
        a = self.case["arrangement"]
        assert a is not None, "the story has no deferral or plan"
        return a  # type: ignore[no-any-return]

    def agent(self) -> dict[str, Any]:
        a = self.arrangement
        a["arranged_by"] = "third_party_agent"
        if a.get("agent") is None:
            a["agent"] = {"fee_paid_cny": None, "asked_for": [], "told_not_to_pay_lender": False}
        return a["agent"]  # type: ignore[no-any-return]

    def next_day(self) -> date:
        return self.clock.astimezone(self.tz).date() + timedelta(days=1)

    def at_local(self, day: date, hhmm: str) -> datetime:
        m = HHMM.match(hhmm)
        assert m, f"a time is written HH:MM, not “{hhmm}”"
        return datetime.combine(day, time(int(m[1]), int(m[2])), self.tz)

    def add(self, event: dict[str, Any], at: datetime, written: str | None = None) -> None:
        """Append an event at ``at`` (written as ``written`` when given, e.g. in UTC)."""
        assert at <= self.now, (
            f"the story has run past today ({self.now:%Y-%m-%d %H:%M}); tell fewer events")
        self.case["events"].append({**event, "at": written or at.isoformat()})
        self.clock = max(self.clock, at)

    def add_later(self, event: dict[str, Any]) -> None:
        """Append an event the next local day at 10:00."""
        self.add(event, self.at_local(self.next_day(), "10:00"))

    def add_call(self, at: datetime, written: str | None = None, **fields: Any) -> None:
        self.add({k: v for k, v in contact("", **fields).items() if k != "at"}, at, written)


@pytest.fixture
def story() -> Story:
    """A self-arranged deferral, approved, with nothing else happening (overridden by Given)."""
    return Story.of(base_case())


# ---------------------------------------------------------------- Given: who and what

@given("一位花呗用户自己申请了延期，并已获批准", target_fixture="story")
def approved_deferral() -> Story:
    return Story.of(base_case())


@given("一位花呗用户自己申请了延期，还在等待审批", target_fixture="story")
def pending_deferral() -> Story:
    case = base_case()
    case["arrangement"].update(status="applied", approved_at=None)
    return Story.of(case)


@given("一位花呗用户没有任何延期或分期安排", target_fixture="story")
def no_arrangement() -> Story:
    return Story.of(base_case(arrangement=None))


@given("一位花呗用户找人（第三方代理）办了延期，代理说已经办好", target_fixture="story")
def agent_claimed_deferral() -> Story:
    case = base_case()
    case["arrangement"].update(arranged_by="third_party_agent", status="claimed",
                               approved_at=None, documents=[])
    story = Story.of(case)
    story.agent()
    return story


@given(parsers.parse("示例案例“{name}”"), target_fixture="story")
def example_case(name: str) -> Story:
    return Story.of(load_example(name))


@given(parsers.parse("今天是 {day}"))
def today_is(story: Story, day: str) -> None:
    story.case["as_of"] = datetime.combine(date.fromisoformat(day), time(20, 0),
                                           story.tz).isoformat()


# ---------------------------------------------------------------- Given: the arrangement (§一)

@given(parsers.parse("安排的类型是“{kind}”"))
def arrangement_kind(story: Story, kind: str) -> None:
    story.arrangement["kind"] = term(ARRANGEMENT_KINDS, kind, "arrangement kind")


@given(parsers.parse("安排的状态是“{status}”"))
def arrangement_status(story: Story, status: str) -> None:
    value = term(ARRANGEMENT_STATUSES, status, "arrangement status")
    story.arrangement["status"] = value
    if value != "approved":
        story.arrangement["approved_at"] = None


@given("申请时没有附任何证明材料")
def no_documents(story: Story) -> None:
    story.arrangement["documents"] = []


@given(parsers.parse("申请时只附了“{doc}”"))
def only_document(story: Story, doc: str) -> None:
    story.arrangement["documents"] = [term(DOCUMENTS, doc, "document")]


# ---------------------------------------------------------------- Given: contact details (§二)

@given(parsers.parse("账户上的联系方式“{state}”"))
def contact_details(story: Story, state: str) -> None:
    if state not in CONTACT_DETAILS:
        raise LookupError(f"unknown state “{state}”; known: {'、'.join(CONTACT_DETAILS)}")
    story.case["consumer"]["contact_details_current"] = CONTACT_DETAILS[state]


@given("用户已在支付宝里更新了联系方式")
def contact_details_updated(story: Story) -> None:
    story.add_later({"type": "contact_details_updated"})


# ---------------------------------------------------------------- Given: official checks (§三)

@given(parsers.parse("用户在支付宝账单页面核实，结果是“{result}”"))
def checked_in_app(story: Story, result: str) -> None:
    story.add_later({"type": "arrangement_check", "via": "app",
                     "result": term(CHECK_RESULTS, result, "check result")})


@given("延期已由花呗客服确认")
def confirmed_by_support(story: Story) -> None:
    story.add_later({"type": "support_contact", "channel": "hotline",
                     "outcome": "arrangement_confirmed", "reference": "CS-0001"})


@given("花呗客服查不到这项延期")
def support_not_found(story: Story) -> None:
    story.add_later({"type": "support_contact", "channel": "hotline",
                     "outcome": "arrangement_not_found"})


@given("用户联系过花呗客服，但没有得到答复")
def support_no_answer(story: Story) -> None:
    story.add_later({"type": "support_contact", "channel": "in_app", "outcome": "no_answer"})


@given("花呗客服承诺会停止催收")
def support_promised_to_stop(story: Story) -> None:
    story.add_later({"type": "support_contact", "channel": "hotline",
                     "outcome": "promised_to_stop_collection"})


# ---------------------------------------------------------------- Given: the collector (§四, §五)

@given("之后又接到一次催收电话")
def another_call(story: Story) -> None:
    story.add_call(story.at_local(story.next_day(), "10:00"))


@given("之后又收到一条催收短信")
def another_sms(story: Story) -> None:
    story.add_call(story.at_local(story.next_day(), "10:00"), channel="sms")


@given("用户已向催收方说明了延期情况")
def collector_informed(story: Story) -> None:
    story.add_later({"type": "collector_informed", "channel": "call", "proof_provided": False})


@given("用户已向催收方说明了延期情况，并发送了凭证")
def collector_informed_with_proof(story: Story) -> None:
    story.add_later({"type": "collector_informed", "channel": "sms", "proof_provided": True})


@given("用户已要求催收方出示催收依据")
def basis_requested(story: Story) -> None:
    story.add_later({"type": "basis_requested", "answered": False})


# ---------------------------------------------------------------- Given: frequency, quiet hours

@given(parsers.parse("某天接通了 {n:d} 次催收电话"))
def connected_calls_one_day(story: Story, n: int) -> None:
    day = story.next_day()
    for i in range(n):
        story.add_call(story.at_local(day, f"{9 + i:02d}:00"), number=COLLECTOR_NUMBER)


@given(parsers.parse("某天同一个号码有 {n:d} 次催收电话未接通"))
def unanswered_calls_one_day(story: Story, n: int) -> None:
    day = story.next_day()
    for i in range(n):
        story.add_call(story.at_local(day, f"{9 + i:02d}:00"), answered=False,
                       number=COLLECTOR_NUMBER)


@given(parsers.parse("催收电话在当地时间 {hhmm} 打来"))
def call_at_local_time(story: Story, hhmm: str) -> None:
    story.add_call(story.at_local(story.next_day(), hhmm))


@given(parsers.parse("催收电话在 UTC 时间 {hhmm} 打来"))
def call_at_utc_time(story: Story, hhmm: str) -> None:
    """The event's time is written in UTC (``...Z``), on the next local day's date."""
    at_utc = story.at_local(story.next_day(), hhmm).replace(tzinfo=timezone.utc)
    story.add_call(at_utc.astimezone(story.tz), written=at_utc.strftime("%Y-%m-%dT%H:%M:%SZ"))


# ---------------------------------------------------------------- Given: conduct

@given(parsers.parse("催收人员在电话里“{conduct}”"))
def conduct_on_the_phone(story: Story, conduct: str) -> None:
    story.add_call(story.at_local(story.next_day(), "10:00"), number=COLLECTOR_NUMBER,
                   conduct=[term(CONDUCTS, conduct, "conduct")])


@given(parsers.parse("催收人员上门时“{conduct}”"))
def conduct_on_a_visit(story: Story, conduct: str) -> None:
    story.add_call(story.at_local(story.next_day(), "10:00"), channel="visit",
                   conduct=[term(CONDUCTS, conduct, "conduct")])


# ---------------------------------------------------------------- Given: the agent (找人办)

@given(parsers.parse("用户付给代理 {fee:d} 元"))
def agent_fee(story: Story, fee: int) -> None:
    story.agent()["fee_paid_cny"] = fee


@given(parsers.parse("代理索要过“{ask}”"))
def agent_asked_for(story: Story, ask: str) -> None:
    story.agent()["asked_for"].append(term(AGENT_ASKS, ask, "thing the agent asked for"))


@given("代理让用户先不要还花呗")
def agent_said_do_not_pay(story: Story) -> None:
    story.agent()["told_not_to_pay_lender"] = True


# ---------------------------------------------------------------- Given: complaints (§六)

@given(parsers.parse("向花呗投诉已过 {days:d} 天"))
def lender_complaint_days_ago(story: Story, days: int) -> None:
    filed = story.at_local(story.now.date() - timedelta(days=days), "10:00")
    story.case["events"].append({"type": "complaint_filed", "to": "lender",
                                 "at": filed.isoformat(), "reference": "TS-0001"})


@given(parsers.parse("向国家金融监督管理总局投诉已过 {days:d} 天"))
def nfra_complaint_days_ago(story: Story, days: int) -> None:
    filed = story.at_local(story.now.date() - timedelta(days=days), "11:00")
    story.case["events"].append({"type": "complaint_filed", "to": "nfra",
                                 "at": filed.isoformat(), "reference": "NFRA-0001"})


def _lender_answer(story: Story, resolved: bool) -> None:
    story.case["events"].append({"type": "complaint_answered", "to": "lender",
                                 "resolved": resolved, "at": story.now.isoformat()})


@given("花呗已答复投诉，但没有解决问题")
def lender_answered_unresolved(story: Story) -> None:
    _lender_answer(story, resolved=False)


@given("花呗已答复投诉，问题已解决")
def lender_answered_resolved(story: Story) -> None:
    _lender_answer(story, resolved=True)


# ---------------------------------------------------------------- When

@when("评估该案例", target_fixture="decision")
def evaluate_case(engine: Engine, story: Story, request: pytest.FixtureRequest) -> Decision:
    decision = engine.evaluate(story.case)
    record_fired(request, [t.rule for t in decision.trace if t.fired])
    return decision


# ---------------------------------------------------------------- Then

def _action(decision: Decision, word: str) -> Action:
    action_id = term(ACTIONS, word, "action")
    found = [a for a in decision.actions if a.action == action_id]
    assert found, f"no “{word}” ({action_id}) among {[a.action for a in decision.actions]}"
    return found[0]


@then(parsers.parse("升级阶段为“{rung}”"))
def rung_is(decision: Decision, rung: str) -> None:
    assert decision.escalation == term(RUNGS, rung, "rung")


@then("不需要采取任何行动")
def no_actions(decision: Decision) -> None:
    assert decision.actions == [], [a.action for a in decision.actions]
    assert decision.escalation == "none"


@then(parsers.parse("这{verdict}紧急情况"))
def urgency(decision: Decision, verdict: str) -> None:
    assert decision.urgent is yes_no(verdict)


@then(parsers.parse("建议的行动{verdict}“{action}”"))
def action_present(decision: Decision, verdict: str, action: str) -> None:
    action_id = term(ACTIONS, action, "action")
    got = [a.action for a in decision.actions]
    assert (action_id in got) is yes_no(verdict), f"actions: {got}"


@then(parsers.parse("第一项行动是“{action}”"))
def first_action(decision: Decision, action: str) -> None:
    assert decision.actions, "no actions"
    assert decision.actions[0].action == term(ACTIONS, action, "action")


@then(parsers.parse("“{action}”的截止日期为 {day}"))
def due_on(decision: Decision, action: str, day: str) -> None:
    assert _action(decision, action).due == date.fromisoformat(day)


@then(parsers.parse("“{action}”没有截止日期"))
def no_due(decision: Decision, action: str) -> None:
    assert _action(decision, action).due is None


@then(parsers.parse("“{action}”的渠道包括“{channel}”"))
def via_channel(decision: Decision, action: str, channel: str) -> None:
    assert channel in _action(decision, action).channels


@then(parsers.parse("“{action}”要保留的证据包括“{evidence}”"))
def keeps_evidence(decision: Decision, action: str, evidence: str) -> None:
    assert evidence in _action(decision, action).evidence


@then(parsers.parse("“{action}”的理由提到“{text}”"))
def reason_mentions(decision: Decision, action: str, text: str) -> None:
    assert text in _action(decision, action).why


@then(parsers.parse("规则“{rule}”{verdict}"))
def rule_fired(engine: Engine, decision: Decision, rule: str, verdict: str) -> None:
    assert rule in {r.id for r in engine.pack.rules}, f"the pack has no rule “{rule}”"
    fired = [t.rule for t in decision.trace if t.fired]
    assert (rule in fired) is yes_no(verdict), f"fired: {fired}"


@then(parsers.parse("预防建议{verdict}“{advice}”"))
def advice_present(engine: Engine, decision: Decision, verdict: str, advice: str) -> None:
    assert advice in {a.id for a in engine.pack.advice}, f"the pack has no advice “{advice}”"
    got = [a.id for a in decision.advice]
    assert (advice in got) is yes_no(verdict), f"advice: {got}"


@then(parsers.parse("决定附有提示“{text}”"))
def notice_says(decision: Decision, text: str) -> None:
    assert text in decision.notice
