"""RSS over many evaluations, in a process of its own: ``python -m bench.memory --evals N``.

Prints one JSON object: the RSS after a warm-up, at the end, the growth between the two, the
peak (VmHWM), and samples along the way. Linux only (reads /proc/self/status).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time

from escalade import Engine, tune_malloc

from .corpus import generate


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def run(evals: int, size: int, seed: int, warmup: int = 2000) -> dict[str, object]:
    """Evaluate ``evals`` cases (cycling through a corpus of ``size``-event cases)."""
    cases = generate(seed, size, 200)
    gc.collect()
    gc.freeze()
    samples: list[tuple[int, float]] = []
    with Engine() as engine:
        for i in range(warmup):
            engine.evaluate(cases[i % len(cases)])
        gc.collect()
        start_kib = _status_kib("VmRSS")
        started = time.perf_counter()
        step = max(1, evals // 10)
        for i in range(evals):
            engine.evaluate(cases[i % len(cases)])
            if (i + 1) % step == 0:
                samples.append((i + 1, _status_kib("VmRSS") / 1024))
        seconds = time.perf_counter() - started
        gc.collect()
        end_kib = _status_kib("VmRSS")
    return {
        "evaluations": evals,
        "events_per_case": size,
        "warmup": warmup,
        "rss_after_warmup_mb": round(start_kib / 1024, 2),
        "rss_end_mb": round(end_kib / 1024, 2),
        "rss_growth_mb": round((end_kib - start_kib) / 1024, 2),
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
        "peak_rss_mb": round(max(_status_kib("VmHWM"), end_kib, start_kib,
                                 *(int(mb * 1024) for _, mb in samples)) / 1024, 2),
        "samples_mb": [[n, round(mb, 2)] for n, mb in samples],
        "seconds": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    tune_malloc()  # as the escalade command does (see escalade.malloc)
    parser = argparse.ArgumentParser(prog="python -m bench.memory")
    parser.add_argument("--evals", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2000)
    args = parser.parse_args(argv)
    json.dump(run(args.evals, args.size, args.seed, args.warmup), sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
