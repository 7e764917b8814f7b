"""The benchmark: ``python -m bench [--quick]`` (see bench/README.md for what it measures).

One run prints, per corpus size (about 10, 100 and 1,000 events a case):

- ``Engine.evaluate`` on a case dict (validation + facts + durable_rules + assembly; no JSON
  output): cases/s (median of the repeats) and p50/p99 latency; the same for a validated
  ``Case`` (facts + durable + assembly); the stage breakdown (validate / facts / fire / assemble
  / JSON dump); firings per case;
- the same for the reference evaluator (plain Python, same compiled pack, no durable_rules),
  after checking that it gives the same decision JSON as the engine on every case;

then the ratios, RSS over many evaluations (in a process of its own), the CLI's cold start for
one case, batch throughput with ``--jobs 1`` and ``--jobs 2`` (when the CLI has batch mode),
which targets are met, and the change against a previous run. The figures are also written as
JSON (``bench/results/<time>.json``; ``--save-latest`` also writes ``bench/latest.json``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from escalade import Engine, __version__, tune_malloc
from escalade.assemble import assemble
from escalade.case import parse_case
from escalade.facts import measure
from escalade.reference import ReferenceEvaluator

from .corpus import SIZES, generate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LATEST = ROOT / "bench" / "latest.json"
COLD_CASE = ROOT / "examples" / "cases" / "s6-too-frequent.json"

# batch_cases: enough lines that worker start-up (about 0.5 s) does not dominate the figure
FULL = {"cases": {10: 400, 100: 200, 1000: 40}, "repeats": 7, "rss_evals": 200_000,
        "cold_runs": 9, "batch_cases": 16_000}
QUICK = {"cases": {10: 60, 100: 30, 1000: 4}, "repeats": 3, "rss_evals": 5_000,
         "cold_runs": 3, "batch_cases": 300}
SMOKE = {"cases": {10: 4, 100: 2, 1000: 1}, "repeats": 1, "rss_evals": 50, "cold_runs": 1,
         "batch_cases": 10}  # only proves the script runs (the test suite uses it)

TARGETS = {
    "throughput_100": "100-event case: at least 5,000 cases/s on one core (Engine.evaluate)",
    "ratio_100": "100-event case: at most 5x the reference evaluator's time",
    "linear": "a 1,000-event case costs at most 15x a 100-event case",
    "rss": "RSS grows less than 10 MB over 200,000 evaluations",
    "cold": "escalade evaluate on one case, cold: under 0.5 s",
    "batch": "batch with --jobs 2 at least 1.7x --jobs 1",
}


def _machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in out.splitlines()
                      if line.startswith("Model name")), model)
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "escalade": __version__,
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def _timed(fn: Callable[[Any], object], cases: list[Any], repeats: int) -> dict[str, Any]:
    """Run ``fn`` over ``cases`` ``repeats`` times: cases/s per repeat, latency percentiles.

    Both clocks are kept: wall time (``perf_counter``) and this thread's CPU time
    (``thread_time``), which other processes on a shared machine disturb much less.
    """
    for case in cases[: max(1, len(cases) // 4)]:  # warm-up
        fn(case)
    rates, cpu_rates, wall_ns, cpu_ns = [], [], [], []
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(repeats):
        started, cpu_started = clock(), cpu()
        for case in cases:
            t0, c0 = clock(), cpu()
            fn(case)
            c1, t1 = cpu(), clock()
            wall_ns.append(t1 - t0)
            cpu_ns.append(c1 - c0)
        wall, used = clock() - started, cpu() - cpu_started
        rates.append(len(cases) / (wall / 1e9))
        cpu_rates.append(len(cases) / (used / 1e9))
    return {
        "cases_per_s": round(statistics.median(rates), 1),
        "cases_per_s_runs": [round(r, 1) for r in rates],
        "mean_us": round(1e6 / statistics.median(rates), 1),
        "p50_us": _percentile(wall_ns, 50),
        "p99_us": _percentile(wall_ns, 99),
        "cases_per_cpu_s": round(statistics.median(cpu_rates), 1),
        "cases_per_cpu_s_runs": [round(r, 1) for r in cpu_rates],
        "mean_cpu_us": round(1e6 / statistics.median(cpu_rates), 1),
        "p50_cpu_us": _percentile(cpu_ns, 50),
        "p99_cpu_us": _percentile(cpu_ns, 99),
        "page_faults_per_case": round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / len(wall_ns), 2),
    }


def _percentile(ns: list[int], pct: int) -> float:
    ordered = sorted(ns)
    return round(ordered[min(len(ordered) - 1, len(ordered) * pct // 100)] / 1e3, 1)


def _stages(engine: Engine, cases: list[dict[str, Any]], repeats: int) -> dict[str, float]:
    """Mean CPU microseconds per case in each stage of ``Engine.evaluate`` (and the JSON dump)."""
    pack, runtime = engine.pack, engine._runtime
    totals = dict.fromkeys(("validate", "facts", "fire", "assemble", "json_dump"), 0)
    firings = 0
    clock = time.thread_time_ns  # CPU time of this thread
    for _ in range(repeats):
        for raw in cases:
            t0 = clock()
            case = parse_case(raw)
            t1 = clock()
            facts = measure(case, pack.quiet_hours)
            t2 = clock()
            fired = runtime.fire(facts)
            t3 = clock()
            decision = assemble(case, pack, facts, fired, "zh-CN")
            t4 = clock()
            decision.model_dump_json()
            t5 = clock()
            for stage, ns in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4),
                                 strict=True):
                totals[stage] += ns
            firings += len(fired)
    n = len(cases) * repeats
    out = {stage: round(ns / n / 1e3, 1) for stage, ns in totals.items()}
    out["firings_per_case"] = round(firings / n, 2)
    return out


def _agreement(engine: Engine, reference: ReferenceEvaluator,
               cases: list[dict[str, Any]]) -> list[str]:
    """Case ids where the engine and the reference give different decision JSON."""
    return [c["case_id"] for c in cases
            if engine.evaluate(c, explain=True).model_dump_json()
            != reference.evaluate(c, explain=True).model_dump_json()]


_ESCALADE: list[str] = []  # set by --escalade


def _escalade_bin() -> str:
    if _ESCALADE:
        return _ESCALADE[0]
    exe = Path(sys.executable).parent / "escalade"
    return str(exe) if exe.exists() else "escalade"


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cold_start(runs: int) -> dict[str, Any]:
    """``escalade evaluate`` on one case in a fresh process: wall and CPU seconds, and parts."""
    cmd = [_escalade_bin(), "evaluate", str(COLD_CASE), "--format", "json"]
    times, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), _child_cpu()
        done = subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
        cpus.append(_child_cpu() - c0)
        if done.returncode != 0:
            return {"error": done.stderr.decode("utf-8", "replace").strip()}
    parts = [json.loads(subprocess.run([sys.executable, "-m", "bench.coldparts"], cwd=ROOT,
                                       capture_output=True, check=True, text=True).stdout)
             for _ in range(runs)]
    return {"command": " ".join(["escalade", *cmd[1:]]),
            "median_s": round(statistics.median(times), 3),
            "median_cpu_s": round(statistics.median(cpus), 3),
            "runs_s": [round(t, 3) for t in times],
            "parts_cpu_s": {name: round(statistics.median(p[name]["cpu_s"] for p in parts), 4)
                            for name in parts[0]}}


def _batch(n_cases: int, seed: int, runs: int) -> dict[str, Any]:
    exe = _escalade_bin()
    helptext = subprocess.run([exe, "evaluate", "--help"], capture_output=True, text=True,
                              check=False).stdout
    if "--jobs" not in helptext:
        return {"available": False, "note": "not available (batch mode not present)"}
    cases = generate(seed, 100, n_cases)
    out: dict[str, Any] = {"available": True, "cases": n_cases, "events_per_case": 100}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.jsonl"
        path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases),
                        "utf-8")
        for jobs in (1, 2):
            cmd = [exe, "evaluate", str(path), "--jsonl", "--format", "json",
                   "--jobs", str(jobs)]
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      check=False)
                times.append(time.perf_counter() - t0)
                if done.returncode != 0:
                    return {"available": True, "error": f"--jobs {jobs}: exit "
                            f"{done.returncode}: {done.stderr.decode('utf-8', 'replace')[:300]}"}
            best = statistics.median(times)
            out[f"jobs{jobs}_cases_per_s"] = round(n_cases / best, 1)
            out[f"jobs{jobs}_s"] = round(best, 3)
    out["speedup_jobs2"] = round(out["jobs2_cases_per_s"] / out["jobs1_cases_per_s"], 2)
    return out


def _memory(evals: int, seed: int, warmup: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.memory", "--evals", str(evals),
                           "--size", "100", "--seed", str(seed), "--warmup", str(warmup)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-500:]}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _targets(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target of issue 5 with its figure; throughput figures are per CPU second."""
    e100 = r["sizes"]["100"]["engine"]
    out: dict[str, dict[str, Any]] = {}
    out["throughput_100"] = {"figure": e100["cases_per_cpu_s"],
                             "wall_figure": e100["cases_per_s"],
                             "met": e100["cases_per_cpu_s"] >= 5000}
    ratio = r["sizes"]["100"]["cpu_ratio_engine_to_reference"]
    out["ratio_100"] = {"figure": ratio, "met": ratio <= 5}
    lin = r["linearity_1000_to_100"]
    out["linear"] = {"figure": lin, "met": lin <= 15}
    mem = r["memory"]
    growth = mem.get("rss_growth_mb")
    out["rss"] = {"figure": growth, "evaluations": mem.get("evaluations"),
                  "met": growth is not None and growth < 10 and mem["evaluations"] >= 200_000}
    cold = r["cold_start"].get("median_s")
    out["cold"] = {"figure": cold, "cpu_figure": r["cold_start"].get("median_cpu_s"),
                   "met": cold is not None and cold < 0.5}
    speed = r["batch"].get("speedup_jobs2")
    out["batch"] = {"figure": speed if speed is not None else r["batch"].get("note", "n/a"),
                    "met": speed is not None and speed >= 1.7}
    for key, value in out.items():
        value["target"] = TARGETS[key]
    return out


def _compare(now: dict[str, Any], before: dict[str, Any]) -> list[str]:
    lines = []
    for size in now["sizes"]:
        for who in ("engine", "reference"):
            a = before.get("sizes", {}).get(size, {}).get(who, {}).get("cases_per_cpu_s")
            b = now["sizes"][size][who]["cases_per_cpu_s"]
            if a:
                lines.append(f"  {size:>5} events {who:<9} {a:>9.1f} -> {b:>9.1f} cases/s "
                             f"({(b / a - 1) * 100:+.0f}%)")
    return lines


def run(args: argparse.Namespace) -> dict[str, Any]:
    plan = dict(SMOKE if args.smoke else QUICK if args.quick else FULL)
    if args.repeats:
        plan["repeats"] = args.repeats
    if args.rss_evals is not None:
        plan["rss_evals"] = args.rss_evals
    result: dict[str, Any] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "mode": "smoke" if args.smoke else "quick" if args.quick else "full",
        "seed": args.seed,
        "plan": {"cases_per_size": plan["cases"], "repeats": plan["repeats"]},
        "machine": _machine(), "sizes": {},
    }
    engine = Engine()
    reference = ReferenceEvaluator(engine.pack)
    corpora = {n: generate(args.seed, n, plan["cases"][n]) for n in SIZES}
    gc.collect()
    gc.freeze()  # the corpus is input, not the engine's heap: keep it out of GC passes
    mismatches: list[str] = []
    for n, cases in corpora.items():
        print(f"[{n} events] {len(cases)} cases x {plan['repeats']} repeats", file=sys.stderr)
        mismatches += _agreement(engine, reference, cases)
        validated = [parse_case(c) for c in cases]
        texts = [json.dumps(c, ensure_ascii=False) for c in cases]
        gc.collect()
        gc.freeze()  # validated cases are input too (1,000-event ones are ~200,000 objects)
        eng = _timed(engine.evaluate, cases, plan["repeats"])
        ref = _timed(reference.evaluate, cases, plan["repeats"])
        result["sizes"][str(n)] = {
            "cases": len(cases),
            "mean_events": round(sum(len(c["events"]) for c in cases) / len(cases), 1),
            "engine": eng,
            "engine_validated_case": _timed(engine.evaluate, validated, plan["repeats"]),
            "engine_json_text": _timed(engine.evaluate, texts, plan["repeats"]),
            "reference": ref,
            "reference_validated_case": _timed(reference.evaluate, validated, plan["repeats"]),
            "ratio_engine_to_reference": round(ref["cases_per_s"] / eng["cases_per_s"], 2),
            "cpu_ratio_engine_to_reference": round(
                ref["cases_per_cpu_s"] / eng["cases_per_cpu_s"], 2),
            "stages_us": _stages(engine, cases, max(1, plan["repeats"] // 2)),
        }
    engine.close()
    gc.unfreeze()
    sizes = result["sizes"]
    result["reference_agrees"] = not mismatches
    result["mismatches"] = mismatches[:20]
    result["linearity_1000_to_100"] = round(
        sizes["1000"]["engine"]["mean_cpu_us"] / sizes["100"]["engine"]["mean_cpu_us"], 2)
    print("[memory]", file=sys.stderr)
    result["memory"] = _memory(plan["rss_evals"], args.seed, min(2000, plan["rss_evals"]))
    print("[cold start]", file=sys.stderr)
    result["cold_start"] = _cold_start(plan["cold_runs"])
    print("[batch]", file=sys.stderr)
    result["batch"] = _batch(plan["batch_cases"], args.seed, min(3, plan["cold_runs"]))
    result["targets"] = _targets(result)
    return result


def report(r: dict[str, Any], before: dict[str, Any] | None) -> str:
    m = r["machine"]
    lines = [f"escalade benchmark ({r['mode']}, seed {r['seed']}) on {m['cpu']}, {m['cores']} "
             f"cores, Python {m['python']}, load average at start {m['load_average']}", "",
             "Engine.evaluate(dict) = validate + facts + durable_rules + assemble (no JSON dump);",
             "c/s = cases per CPU second of the evaluating thread (wall-clock c/s in brackets);",
             "p50/p99 = CPU microseconds per case; Case c/s = Engine.evaluate(validated Case);",
             "text c/s = Engine.evaluate(the case as JSON text)",
             f"{'events':>6} {'engine c/s':>17} {'p50':>6} {'p99':>6} "
             f"{'reference c/s':>17} {'p50':>6} {'p99':>6} {'eng/ref':>7} "
             f"{'Case c/s':>9} {'text c/s':>9} {'firings':>7}"]
    for size, s in r["sizes"].items():
        e, f = s["engine"], s["reference"]
        lines.append(f"{size:>6} {e['cases_per_cpu_s']:>8.0f} ({e['cases_per_s']:>6.0f}) "
                     f"{e['p50_cpu_us']:>6.0f} {e['p99_cpu_us']:>6.0f} "
                     f"{f['cases_per_cpu_s']:>8.0f} ({f['cases_per_s']:>6.0f}) "
                     f"{f['p50_cpu_us']:>6.0f} {f['p99_cpu_us']:>6.0f} "
                     f"{s['cpu_ratio_engine_to_reference']:>7.2f} "
                     f"{s['engine_validated_case']['cases_per_cpu_s']:>9.0f} "
                     f"{s['engine_json_text']['cases_per_cpu_s']:>9.0f} "
                     f"{s['stages_us']['firings_per_case']:>7.2f}")
    lines += ["", "stage breakdown, mean CPU us per case (the JSON dump is not part of evaluate):",
              f"{'events':>6} {'validate':>9} {'facts':>7} {'fire':>7} {'assemble':>9} "
              f"{'json':>7}"]
    for size, s in r["sizes"].items():
        st = s["stages_us"]
        lines.append(f"{size:>6} {st['validate']:>9.1f} {st['facts']:>7.1f} {st['fire']:>7.1f} "
                     f"{st['assemble']:>9.1f} {st['json_dump']:>7.1f}")
    mem, cold, batch = r["memory"], r["cold_start"], r["batch"]
    lines += ["", f"reference agrees with the engine on every case: {r['reference_agrees']}",
              f"1,000-event / 100-event CPU cost: {r['linearity_1000_to_100']}x",
              f"memory: {json.dumps(mem)}", f"cold start: {json.dumps(cold)}",
              f"batch: {json.dumps(batch)}", "", "targets:"]
    for t in r["targets"].values():
        lines.append(f"  [{'met' if t['met'] else 'NOT met'}] {t['target']}: {t['figure']}")
    if before:
        lines += ["", f"against {before.get('when', 'the previous run')} (CPU cases/s):",
                  *_compare(r, before)]
    return "\n".join(lines)


def profile(size: int, seed: int, count: int = 200) -> str:
    """cProfile of ``Engine.evaluate`` over a corpus of ``size``-event cases: top functions."""
    import cProfile
    import io
    import pstats

    cases = generate(seed, size, count)
    with Engine() as engine:
        for case in cases[:20]:
            engine.evaluate(case)
        gc.collect()
        gc.freeze()
        profiler = cProfile.Profile()
        profiler.enable()
        for case in cases:
            engine.evaluate(case)
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    tune_malloc()  # as the escalade command does (see escalade.malloc)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts (about 20 s)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny counts: only proves the script runs (figures meaningless)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=0, help="timed passes over each corpus")
    parser.add_argument("--rss-evals", type=int, default=None,
                        help="evaluations for the RSS figure (full: 200,000)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the JSON")
    parser.add_argument("--compare", type=Path, default=LATEST,
                        help="a previous JSON result to compare with (default bench/latest.json)")
    parser.add_argument("--save-latest", action="store_true",
                        help="also write the figures to bench/latest.json")
    parser.add_argument("--escalade", default=None,
                        help="the escalade command to time (default: the one next to python)")
    parser.add_argument("--profile", type=int, metavar="EVENTS", default=None,
                        help="only profile Engine.evaluate (cProfile) on cases of this size")
    args = parser.parse_args(argv)
    if args.profile:
        print(profile(args.profile, args.seed))
        return 0
    if args.escalade:
        _ESCALADE[:] = [args.escalade]
    before = json.loads(args.compare.read_text("utf-8")) if args.compare.is_file() else None
    result = run(args)
    out = args.out or RESULTS / f"{result['when'].replace(':', '')}-{result['mode']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    out.write_text(text, "utf-8")
    if args.save_latest:
        LATEST.write_text(text, "utf-8")
    print(report(result, before))
    print(f"\nfigures written to {out}")
    return 0 if result["reference_agrees"] else 1


if __name__ == "__main__":
    sys.exit(main())
