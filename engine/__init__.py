"""escalade: what to do when collectors keep calling after a Huabei deferral or plan.

A case (JSON) goes in; a decision comes out: the rung of the escalation ladder reached and the
actions to take, decided by declarative rule packs run in durable_rules.

    from escalade import Engine, evaluate, load_pack
"""

from __future__ import annotations

from .api import Engine, UnsupportedLanguage, evaluate
from .case import Case, parse_case
from .decision import Decision
from .errors import (
    CaseProblem,
    EngineClosed,
    EscaladeError,
    InvalidCase,
    InvalidPack,
    PackProblem,
    RuleActionError,
)
from .limits import DEFAULT_LIMITS, Limits
from .malloc import tune_malloc
from .pack.load import default_pack_dir, load_pack
from .pack.model import Pack

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_LIMITS",
    "Case",
    "CaseProblem",
    "Decision",
    "Engine",
    "EngineClosed",
    "EscaladeError",
    "InvalidCase",
    "InvalidPack",
    "Limits",
    "Pack",
    "PackProblem",
    "RuleActionError",
    "UnsupportedLanguage",
    "__version__",
    "default_pack_dir",
    "evaluate",
    "load_pack",
    "parse_case",
    "tune_malloc",
]
