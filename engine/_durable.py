"""Import durable_rules, turning the known Python 3.13 build failure into a clear message."""

from __future__ import annotations

import sys
import warnings

_HOW_TO_FIX = (
    "durable-rules 2.0.28 was built without the Python 3.13 fix. Reinstall it with:\n"
    "  CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject "
    "pip install --force-reinstall --no-binary durable-rules --no-cache-dir durable-rules==2.0.28\n"
    "(see the README, section 'Python versions')."
)

try:
    import durable_rules_engine as dre
    from durable.engine import Host
except ImportError as exc:  # pragma: no cover - depends on how durable-rules was built
    if "PyEval_CallObject" in str(exc) or sys.version_info >= (3, 13):
        raise ImportError(f"escalade cannot load durable_rules: {exc}\n{_HOW_TO_FIX}") from None
    raise

# durable.engine calls datetime.utcfromtimestamp (deprecated in 3.12); keep -W error usable.
warnings.filterwarnings(
    "ignore", message=r"datetime\.datetime\.utcfromtimestamp", category=DeprecationWarning,
    module="durable.engine",
)

__all__ = ["Host", "dre"]
