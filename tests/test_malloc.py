"""tune_malloc: process-wide, so never applied by the library on its own."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import escalade, escalade.malloc as m
escalade.Engine().close()
print(m._malloc_tuned)
print(escalade.tune_malloc(), escalade.tune_malloc())
"""


def run(env_extra: dict[str, str]) -> list[str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUN",
                                                                      "ESCALADE_MALLOC"))}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env={**env, **env_extra}, timeout=120, check=True)
    return proc.stdout.split("\n")


def test_engine_leaves_malloc_alone_and_tune_malloc_is_idempotent() -> None:
    out = run({})
    assert out[0] == "None"  # building an Engine did not touch malloc
    expected = "True True" if sys.platform.startswith("linux") else "False False"
    assert out[1] == expected


def test_opt_out_and_existing_tuning_are_respected() -> None:
    assert run({"ESCALADE_MALLOC_TUNING": "0"})[1] == "False False"
    assert run({"MALLOC_TRIM_THRESHOLD_": "131072"})[1] == "False False"
