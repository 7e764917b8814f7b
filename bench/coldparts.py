"""Where a cold ``escalade evaluate`` spends its time: ``python -m bench.coldparts``.

Run in a fresh process; prints JSON with seconds (wall and CPU) for: importing escalade (and
click, as the CLI does), loading the built-in pack (YAML), compiling it into durable_rules,
validating the case, evaluating it, and dumping the decision JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

_CASE = Path(__file__).resolve().parent.parent / "examples" / "cases" / "s6-too-frequent.json"


def main() -> int:
    marks: list[tuple[str, float, float]] = [("start", time.perf_counter(), time.process_time())]

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter(), time.process_time()))

    import click  # noqa: F401  # the CLI imports it first

    mark("import_click")
    import escalade

    mark("import_escalade")
    pack = escalade.load_pack()
    mark("load_pack")
    engine = escalade.Engine(pack)
    mark("compile_and_register")
    case = escalade.parse_case(_CASE.read_bytes())
    mark("validate")
    decision = engine.evaluate(case)
    mark("evaluate")
    decision.model_dump_json(indent=2)
    mark("json_dump")
    engine.close()
    out = {name: {"wall_s": round(t - marks[i][1], 4), "cpu_s": round(c - marks[i][2], 4)}
           for i, (name, t, c) in enumerate(marks[1:])}
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
