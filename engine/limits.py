"""Input limits: how big, how long and how deeply nested a case may be before it is refused.

The limits are checked before the case is validated, and the nesting depth of JSON text is
measured before the text is decoded, so no input can make the decoder or the validator recurse
without bound or hold the process for long. An embedding service chooses its own with
``Limits(...)`` (``parse_case(raw, limits=...)``, ``Engine(pack, limits=...)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from .errors import CaseProblem

# A JSON string, escapes included; an unterminated one runs to the end of the text. The closing
# quote is optional so a match never fails and is never retried: the scan stays linear.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_PAIR = re.compile(r"[\[{][\]}]")


@dataclass(frozen=True)
class Limits:
    """The largest case ``parse_case`` accepts; each violation is an ``InvalidCase`` problem.

    - ``max_input_bytes``: size of JSON text or bytes (UTF-8); not checked for a dict.
    - ``max_events``: number of items in ``events``.
    - ``max_depth``: nesting of objects and arrays (the case object itself is depth 1; a valid
      case needs 4).
    - ``max_string_chars``: length of any string, keys included (the contract's longest field,
      ``note``, allows 10,000 whatever this says).
    """

    max_input_bytes: int = 4_000_000
    max_events: int = 10_000
    max_depth: int = 32
    max_string_chars: int = 10_000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{f.name} must be a positive whole number, "
                                 f"not {value!r}")


DEFAULT_LIMITS = Limits()


def text_problems(text: str, size: int, limits: Limits) -> list[CaseProblem]:
    """Problems of JSON text (``size`` in bytes) found without decoding it: size and depth."""
    if size > limits.max_input_bytes:
        return [CaseProblem("", f"input exceeds the size limit of {limits.max_input_bytes:,} "
                                "bytes")]
    if text.count("[") + text.count("{") <= limits.max_depth:
        return []
    # The text outside strings; without escapes, splitting at quotes finds the strings.
    outside = "".join(text.split('"')[::2]) if "\\" not in text else _STRING.sub("", text)
    brackets = rest = _NOT_BRACKET.sub("", outside)
    for _ in range(limits.max_depth):  # peel the innermost pairs, one level a round, in C
        rest, peeled = _PAIR.subn("", rest)
        if not rest:
            return []
        if not peeled:
            break
    depth = 0  # deeper than the limit, or unbalanced: count exactly
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > limits.max_depth:
                return [_too_deep(limits)]
        else:
            depth -= 1
    return []


def data_problems(data: Any, limits: Limits, *, walk: bool = True) -> list[CaseProblem]:
    """Problems of decoded input: number of events, nesting depth, string lengths.

    ``walk=False`` checks only the events (for text already measured by ``text_problems`` and
    too short to hold a string over the limit).
    """
    from .case import json_path  # the case model imports this module

    problems: list[CaseProblem] = []
    if isinstance(data, dict):
        events = data.get("events")
        if isinstance(events, list) and len(events) > limits.max_events:
            return [CaseProblem("events", f"{len(events):,} events; the limit is "
                                          f"{limits.max_events:,}")]
    if not walk:
        return problems
    longest = limits.max_string_chars
    stack: list[tuple[Any, int, tuple[int | str, ...]]] = [(data, 1, ())]
    while stack:
        node, depth, loc = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > limits.max_depth:
            return [_too_deep(limits)]
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(key, str) and len(key) > longest:
                problems.append(CaseProblem(json_path(loc), f"a key of {len(key):,} "
                                            f"characters; the limit is {longest:,}"))
                continue
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1, (*loc, key)))
            elif isinstance(value, str) and len(value) > longest:
                problems.append(CaseProblem(json_path((*loc, key)), f"a string of "
                                            f"{len(value):,} characters; the limit is "
                                            f"{longest:,}"))
        if len(problems) >= 100:
            break
    return problems


def _too_deep(limits: Limits) -> CaseProblem:
    return CaseProblem("", f"input is nested more than {limits.max_depth} levels deep")
