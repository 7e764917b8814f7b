"""Shared fixtures: the built-in pack, engines, case builders and a real CLI runner."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from escalade import Engine, default_pack_dir, load_pack
from escalade.pack.model import Pack

pytest_plugins = ["tests.livingdoc", "tests.steps.case_steps"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def pack() -> Pack:
    return load_pack()


@pytest.fixture(scope="session")
def engine(pack: Pack) -> Iterator[Engine]:
    with Engine(pack) as eng:
        yield eng


def base_case(**overrides: Any) -> dict[str, Any]:
    """A minimal valid case (approved self-arranged deferral, nothing happened), with overrides."""
    case: dict[str, Any] = {
        "schema_version": 1,
        "case_id": "t",
        "as_of": "2026-03-12T20:00:00+08:00",
        "timezone": "Asia/Shanghai",
        "product": "huabei",
        "consumer": {"contact_details_current": True, "evidence_kept": []},
        "arrangement": {
            "kind": "deferral", "arranged_by": "self", "status": "approved",
            "applied_at": "2026-03-01T10:00:00+08:00",
            "approved_at": "2026-03-02T10:00:00+08:00",
            "new_due_date": "2026-05-10", "documents": ["income_proof"], "agent": None,
        },
        "events": [],
    }
    case.update(copy.deepcopy(overrides))
    return case


def contact(at: str, **fields: Any) -> dict[str, Any]:
    """A collector_contact event (a connected call unless told otherwise)."""
    return {"type": "collector_contact", "at": at, "channel": "call", "answered": True,
            "by": "collection_agency", "conduct": [], **fields}


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A writable copy of the built-in pack directory."""
    target = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), target)
    return target


def escalade_bin() -> str:
    exe = Path(sys.executable).parent / "escalade"
    return str(exe) if exe.exists() else "escalade"


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``escalade`` command in a real subprocess."""

    def run(*args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:escalade"}
        if isinstance(stdin, bytes):
            proc = subprocess.run([escalade_bin(), *args], input=stdin, capture_output=True,
                                  env=env, timeout=120, check=False)
            return subprocess.CompletedProcess(proc.args, proc.returncode,
                                               proc.stdout.decode("utf-8", "replace"),
                                               proc.stderr.decode("utf-8", "replace"))
        return subprocess.run([escalade_bin(), *args], input=stdin, capture_output=True,
                              text=True, env=env, timeout=120, check=False)

    return run


def load_example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "cases" / f"{name}.json").read_text("utf-8"))
    return data


FactsFor = Callable[[dict[str, Any]], dict[str, Any]]
