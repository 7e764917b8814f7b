"""Import durable_rules, turning the known Python 3.13 build failure into a clear message."""

from __future__ import annotations

import os
import sys
import warnings
from types import TracebackType

_HOW_TO_FIX = (
    "durable-rules 2.0.28 was built without the Python 3.13 fix. Reinstall it with:\n"
    "  CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject "
    "pip install --force-reinstall --no-binary durable-rules --no-cache-dir durable-rules==2.0.28\n"
    "(see the README, section 'Python versions')."
)



def _quiet_on_command_line(error: ImportError) -> None:
    """When the ``escalade`` command itself fails to import (its console script imports this
    package before the CLI can catch anything), print the message, not a traceback; exit 1."""
    if os.path.basename(sys.argv[0] if sys.argv else "") != "escalade" or os.environ.get(
            "ESCALADE_DEBUG"):
        return
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if value is error:
            print(f"escalade: {value}", file=sys.stderr)
        else:
            previous(kind, value, tb)

    sys.excepthook = hook


try:
    import durable_rules_engine as dre
    from durable.engine import Host
except ImportError as exc:  # pragma: no cover - depends on how durable-rules was built
    if "PyEval_CallObject" in str(exc) or sys.version_info >= (3, 13):
        error = ImportError(f"escalade cannot load durable_rules: {exc}\n{_HOW_TO_FIX}")
        _quiet_on_command_line(error)
        raise error from None
    raise

# durable.engine calls datetime.utcfromtimestamp (deprecated in 3.12); keep -W error usable.
warnings.filterwarnings(
    "ignore", message=r"datetime\.datetime\.utcfromtimestamp", category=DeprecationWarning,
    module="durable.engine",
)

__all__ = ["Host", "dre"]
