"""What validation alone costs: ``python -m bench.floor [--events N] [--cases N]``.

Issue 5's first target is 5,000 cases/s (200 µs a case) for a 100-event case through
``Engine.evaluate``. This prints, per case of the bench corpus, the CPU time of pydantic
validation in the forms available (the contract's ``Case`` from a dict and from JSON text, and
lighter shapes of the same events that the public API does not use), next to the engine's other
stages on an already validated case, so the claim in the README ("validation alone takes most of
the budget") can be checked on any machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from escalade import Engine, tune_malloc
from escalade.assemble import assemble
from escalade.case import Case, parse_case
from escalade.facts import measure
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import NotRequired, TypedDict

from .corpus import generate

BUDGET_US = 200.0  # 5,000 cases/s


@with_config(ConfigDict(extra="forbid"))
class _Contact(TypedDict):
    """A collector contact as a TypedDict (pydantic builds a dict, not a model instance)."""

    type: Literal["collector_contact"]
    at: datetime
    channel: str
    answered: NotRequired[bool]
    by: NotRequired[str]
    number: NotRequired[str | None]
    conduct: NotRequired[list[str]]
    note: NotRequired[str | None]


@with_config(ConfigDict(extra="forbid"))
class _Other(TypedDict, total=False):
    """Every other event type, loosely (a lower bound, not a faithful schema)."""

    type: str
    at: datetime
    via: str
    result: str
    channel: str
    outcome: str
    reference: str | None
    proof_provided: bool
    answered: bool
    to: str
    resolved: bool
    note: str | None


class _ThreeStrings(BaseModel):
    """The smallest model an event could be: three strings (one optional), nothing parsed."""

    model_config = ConfigDict(extra="ignore")
    type: str
    at: str
    channel: str | None = None


_TYPED_EVENTS = TypeAdapter(list[Annotated[_Contact | _Other, Field(union_mode="left_to_right")]])
_PLAIN_EVENTS = TypeAdapter(list[_ThreeStrings])


def _cpu_us(fn: Callable[[Any], object], items: list[Any], repeats: int) -> float:
    """Best mean CPU microseconds per item over ``repeats`` passes."""
    best = float("inf")
    for _ in range(repeats):
        started = time.thread_time_ns()
        for item in items:
            fn(item)
        best = min(best, (time.thread_time_ns() - started) / len(items) / 1e3)
    return round(best, 1)


def floor(events: int, count: int, repeats: int, seed: int = 1) -> list[tuple[str, float]]:
    """(what, CPU µs per case) for validation forms and the engine's later stages."""
    cases = generate(seed, events, count)
    texts = [json.dumps(c, ensure_ascii=False) for c in cases]
    event_lists = [c["events"] for c in cases]
    with Engine() as engine:
        pack, runtime = engine.pack, engine._runtime
        validated = [parse_case(c) for c in cases]
        facts = [measure(c, pack.quiet_hours) for c in validated]
        fired = [runtime.fire(f) for f in facts]
        gc.collect()
        gc.freeze()
        rows = [
            ("json.loads(text)", _cpu_us(json.loads, texts, repeats)),
            ("Case.model_validate(dict)", _cpu_us(Case.model_validate, cases, repeats)),
            ("Case.model_validate_json(text)", _cpu_us(Case.model_validate_json, texts, repeats)),
            ("parse_case(dict): validation + time checks", _cpu_us(parse_case, cases, repeats)),
            ("events only, as TypedDicts (not the API)",
             _cpu_us(_TYPED_EVENTS.validate_python, event_lists, repeats)),
            ("events only, 3 string fields (not the API)",
             _cpu_us(_PLAIN_EVENTS.validate_python, event_lists, repeats)),
            ("facts (measure)", _cpu_us(lambda c: measure(c, pack.quiet_hours), validated,
                                        repeats)),
            ("durable_rules (Runtime.fire)", _cpu_us(runtime.fire, facts, repeats)),
            ("assemble", _cpu_us(lambda i: assemble(validated[i], pack, facts[i], fired[i],
                                                     "zh-CN"), list(range(count)), repeats)),
            ("Engine.evaluate(validated Case)", _cpu_us(engine.evaluate, validated, repeats)),
            ("Engine.evaluate(dict)", _cpu_us(engine.evaluate, cases, repeats)),
        ]
        gc.unfreeze()
    return rows


def main(argv: list[str] | None = None) -> int:
    tune_malloc()
    parser = argparse.ArgumentParser(prog="python -m bench.floor",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    rows = floor(args.events, args.cases, args.repeats)
    print(f"CPU µs per {args.events}-event case (best of {args.repeats} passes over "
          f"{args.cases} cases); the 5,000 cases/s budget is {BUDGET_US:.0f} µs")
    for what, us in rows:
        print(f"  {what:<46} {us:>8.1f}  ({us / BUDGET_US:>4.0%} of the budget)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
