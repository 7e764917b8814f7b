"""The Python 3.13 install step is the same in the README, scripts/test.sh and the import error,
and CI runs the suite on 3.11 and 3.13."""

from __future__ import annotations

import re
import shlex

from escalade import _durable

from .conftest import ROOT

FLAG = "CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject"


def pip_step(text: str) -> list[str]:
    """The words of the durable-rules build command in ``text``, from the flag to the version."""
    match = re.search(re.escape(FLAG) + r"[\s\\]+(.*?durable-rules==2\.0\.28)", text, re.S)
    assert match, text[:200]
    words = shlex.split(match.group(1).replace("\\\n", " "))
    return words[words.index("install"):]


def test_the_313_step_is_the_same_everywhere() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Python versions", 1)[1].split("\n## ", 1)[0]
    script = (ROOT / "scripts" / "test.sh").read_text("utf-8")
    documented = pip_step(section)
    assert documented == ["install", "--force-reinstall", "--no-binary", "durable-rules",
                          "--no-cache-dir", "durable-rules==2.0.28"]
    assert pip_step(script.replace('"$VENV/bin/python" -m pip', "pip").replace("-q ", ""))\
        == documented
    assert pip_step(_durable._HOW_TO_FIX) == documented


def test_ci_runs_the_suite_on_311_and_313() -> None:
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert re.search(r"^bash scripts/test\.sh( |$)", ci, flags=re.M)  # python3: 3.11 in CI
    assert re.search(r'versions/3\.13\.\d+/bin/python"\}\nPYTHON="\$PY313" VENV=\.venv-3\.13 '
                     r"bash scripts/test\.sh", ci)
