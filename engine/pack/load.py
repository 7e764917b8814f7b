"""Load a rule-pack directory: read the YAML with line numbers, check it, build a ``Pack``.

Every problem in every file is collected and raised at once as ``InvalidPack``, each with its
file, line and rule id.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import InvalidPack, PackProblem
from ..facts import FACTS, QuietHours
from ..vocab import ACTION_RUNGS
from .model import (
    OPS,
    ORDER_OPS,
    AdviceItem,
    Advised,
    AnyOf,
    Condition,
    Due,
    Pack,
    Parameter,
    Rule,
    Scalar,
    Test,
    Text,
)
from .schema import PackFile, RuleFile

MANIFEST = "pack.yaml"
DEFAULT_PACK = "cn-huabei"
REQUIRED_PARAMETERS = {"quiet_hours_start": "time", "quiet_hours_end": "time"}

Path_ = tuple[int | str, ...]


def default_pack_dir() -> Path:
    """The directory of the built-in cn-huabei pack."""
    return Path(str(resources.files("escalade.rules") / DEFAULT_PACK))


def load_pack(directory: str | Path | None = None) -> Pack:
    """Load and validate the pack in ``directory`` (default: the built-in cn-huabei pack)."""
    return _Loader(Path(directory) if directory is not None else default_pack_dir()).load()


class _Doc:
    """One YAML file as plain data, with the 1-based line of every key and item."""

    def __init__(self, name: str, data: Any, lines: dict[Path_, int]) -> None:
        self.name, self.data, self.lines = name, data, lines

    def line(self, path: Path_) -> int:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


class _Alias(Exception):
    """A mapping or list used a second time through a YAML alias (``*name``)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _plain(node: Any, path: Path_, lines: dict[Path_, int], seen: set[int] | None = None) -> Any:
    """Plain data from ruamel's round-trip nodes, recording each path's line in ``lines``.

    Raises ``_Alias`` when a mapping or list is reached twice: a YAML alias, which a pack never
    needs, and which nested ("billion laughs") would expand exponentially here.
    """
    seen = set() if seen is None else seen
    if isinstance(node, (CommentedMap, CommentedSeq)):
        if id(node) in seen:
            raise _Alias(node.lc.line + 1)
        seen.add(id(node))
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            sub = (*path, key)
            lines[sub] = node.lc.key(key)[0] + 1
            out[key] = _plain(value, sub, lines, seen)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, value in enumerate(node):
            sub = (*path, i)
            lines[sub] = node.lc.item(i)[0] + 1
            items.append(_plain(value, sub, lines, seen))
        return items
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


class _Loader:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.problems: list[PackProblem] = []
        self.invalid_parameters: dict[str, str] = {}  # name -> where it is declared

    def problem(self, doc: _Doc | str, path: Path_, message: str, rule: str | None = None) -> None:
        if isinstance(doc, _Doc):
            self.problems.append(PackProblem(doc.name, doc.line(path), rule, message))
        else:
            self.problems.append(PackProblem(doc, None, rule, message))

    def sorted(self) -> list[PackProblem]:
        """The problems in reading order: the manifest first, then each file by line."""
        return sorted(self.problems, key=lambda p: (Path(p.file).name != MANIFEST, p.file,
                                                    p.line or 0))

    # -- reading ---------------------------------------------------------------------------

    def read(self, path: Path) -> _Doc | None:
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(name, (), f"cannot read: {exc}")
            return None
        try:
            node = YAML(typ="rt").load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            what = str(exc.problem or exc.context)
            start = exc.context_mark
            if exc.problem and exc.context:
                what += f" ({exc.context}" + (f" from line {start.line + 1})"
                                              if start is not None else ")")
            self.problems.append(PackProblem(name, line, None, f"YAML error: {_flat(what)}"))
            return None
        except YAMLError as exc:  # e.g. a control character (ReaderError: no mark, a position)
            position = getattr(exc, "position", None)
            line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
            what = _flat(str(exc)).split(' in "<unicode string>"')[0]
            self.problems.append(PackProblem(name, line, None, f"YAML error: {what}"))
            return None
        lines: dict[Path_, int] = {}
        try:
            data = _plain(node, (), lines)
        except _Alias as alias:
            self.problems.append(PackProblem(
                name, alias.line, None, "YAML aliases (*name) are not allowed in a pack: the "
                "mapping or list anchored here is used again; write it out where it is needed"))
            return None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.problems.append(PackProblem(name, 1, None, "the file must be a YAML mapping"))
            return None
        return _Doc(name, data, lines)

    def structure(self, doc: _Doc, model: type[BaseModel]) -> BaseModel | None:
        try:
            return model.model_validate(doc.data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                rule = _rule_id(doc.data, loc)
                msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
                if err["type"] == "literal_error" and loc[-1:] == ("action",):
                    msg = f"unknown action {err['input']!r}" + _suggest(str(err["input"]),
                                                                         ACTION_RUNGS)
                where = ".".join(str(p) for p in loc)
                self.problem(doc, loc, f"{where}: {msg}", rule)
            return None

    # -- the whole pack --------------------------------------------------------------------

    def load(self) -> Pack:
        if not self.dir.is_dir():
            what = "is not a directory" if self.dir.exists() else "pack directory does not exist"
            raise InvalidPack([PackProblem(str(self.dir), None, None, what)])
        manifest_path = self.dir / MANIFEST
        if not manifest_path.is_file():
            raise InvalidPack([PackProblem(str(manifest_path), None, None,
                                           f"missing {MANIFEST} (the pack's manifest)")])
        rule_paths = sorted(p for p in self.dir.glob("*.yaml") if p.name != MANIFEST)
        manifest_doc = self.read(manifest_path)
        rule_docs = [d for d in (self.read(p) for p in rule_paths) if d is not None]
        manifest = self.structure(manifest_doc, PackFile) if manifest_doc else None
        for doc in rule_docs:
            self.structure(doc, RuleFile)
        if manifest_doc is None or manifest is None:
            raise InvalidPack(self.sorted() or [PackProblem(str(manifest_path), 1, None,
                                                            "invalid manifest")])
        assert isinstance(manifest, PackFile)
        languages = tuple(manifest.pack.languages)
        parameters = self.parameters(manifest_doc, manifest)
        labels: dict[str, dict[str, dict[str, str]]] = {
            str(group): {k: dict(v) for k, v in items.items()}
            for group, items in manifest.labels.items()}
        self.check_languages(manifest_doc, ("notice",), manifest.notice, languages)
        for group, items in labels.items():
            for key, texts in items.items():
                self.check_languages(manifest_doc, ("labels", group, key), texts, languages)
        rules: list[Rule] = []
        advice: list[AdviceItem] = []
        seen: dict[str, str] = {}
        for doc in rule_docs:
            self.rule_file(doc, parameters, labels, languages, seen, rules, advice)
        if not rules and not advice and not self.problems:
            self.problem(manifest_doc.name, (), "the pack has no rules")
        if self.problems:
            raise InvalidPack(self.sorted())
        start = _time(str(parameters["quiet_hours_start"].value))
        end = _time(str(parameters["quiet_hours_end"].value))
        assert start is not None and end is not None  # checked in parameters()
        qh = QuietHours(start, end)
        return Pack(
            name=manifest.pack.name, version=manifest.pack.version, languages=languages,
            description=manifest.pack.description, sha256=_digest(self.dir, rule_paths),
            directory=str(self.dir), parameters=parameters, labels=labels,
            notice=dict(manifest.notice), rules=tuple(rules), advice=tuple(advice),
            quiet_hours=qh,
        )

    def parameters(self, doc: _Doc, manifest: PackFile) -> dict[str, Parameter]:
        out: dict[str, Parameter] = {}
        for name, spec in manifest.parameters.items():
            path = ("parameters", name, "value")
            ok = {
                "int": isinstance(spec.value, int) and not isinstance(spec.value, bool),
                "time": isinstance(spec.value, str) and _time(spec.value) is not None,
                "list": isinstance(spec.value, list),
            }[spec.type]
            if not ok:
                want = {"int": "a whole number", "time": "a time 'HH:MM'",
                        "list": "a list of strings"}[spec.type]
                self.problem(doc, path, f"parameter {name!r} is declared {spec.type} but its "
                             f"value {spec.value!r} is not {want}")
                self.invalid_parameters[name] = f"{doc.name}:{doc.line(path)}"
                continue
            out[name] = Parameter(name, spec.value, spec.type, spec.source, spec.confidence)
        for name, kind in REQUIRED_PARAMETERS.items():
            if name not in manifest.parameters:
                self.problem(doc, ("parameters",), f"missing required parameter {name!r} "
                             f"(type {kind})")
        return out

    def check_languages(self, doc: _Doc, path: Path_, texts: dict[str, Any],
                        languages: tuple[str, ...], rule: str | None = None) -> None:
        for lang in languages:
            if lang not in texts:
                self.problem(doc, path, f"missing {lang} text", rule)
        for lang in texts:
            if lang not in languages:
                self.problem(doc, (*path, lang), f"text in {lang!r}, a language the pack does "
                             f"not declare ({', '.join(languages)})", rule)

    def rule_file(self, doc: _Doc, params: dict[str, Parameter],
                  labels: dict[str, dict[str, dict[str, str]]], languages: tuple[str, ...],
                  seen: dict[str, str], rules: list[Rule], advice: list[AdviceItem]) -> None:
        for section in ("rules", "advice"):
            items = doc.data.get(section)
            if not isinstance(items, list):
                continue
            for i, raw in enumerate(items):
                if not isinstance(raw, dict):
                    continue
                path: Path_ = (section, i)
                rid = raw.get("id") if isinstance(raw.get("id"), str) else None
                if rid is not None:
                    where = f"{doc.name}:{doc.line(path)}"
                    if rid in seen:
                        self.problem(doc, (*path, "id"), f"duplicate id {rid!r} (first at "
                                     f"{seen[rid]})", rid)
                    else:
                        seen[rid] = where
                conds = self.conditions(doc, (*path, "when"), raw.get("when"), params, rid,
                                        allow_advised=section == "rules")
                texts = raw.get("text")
                if isinstance(texts, dict):
                    self.check_languages(doc, (*path, "text"), texts, languages, rid)
                position = len(rules) + len(advice)
                if section == "rules":
                    for group in ("channels", "evidence"):
                        for j, key in enumerate(raw.get(group) or []):
                            if isinstance(key, str) and key not in labels.get(group, {}):
                                kind = "channel" if group == "channels" else "evidence"
                                self.problem(doc, (*path, group, j),
                                             f"unknown {kind} {key!r}: not in the manifest's "
                                             f"labels.{group}"
                                             + _suggest(key, labels.get(group, {})), rid)
                    due = self.due(doc, (*path, "due"), raw.get("due"), params, rid)
                    rule = self.build_rule(doc, path, raw, conds, due, position)
                    if rule is not None:
                        rules.append(rule)
                else:
                    item = self.build_advice(doc, path, raw, conds, position)
                    if item is not None:
                        advice.append(item)

    def build_rule(self, doc: _Doc, path: Path_, raw: dict[str, Any],
                   conds: list[Condition] | None, due: Due | bool | None,
                   position: int) -> Rule | None:
        if conds is None or due is False:
            return None
        rule: Rule | None = _try(lambda: Rule(
            id=raw["id"], action=raw["action"], rung=ACTION_RUNGS[raw["action"]],
            when=tuple(conds), urgent=bool(raw.get("urgent", False)),
            channels=tuple(raw.get("channels") or ()), evidence=tuple(raw.get("evidence") or ()),
            cites=tuple(raw["cites"]), due=due if isinstance(due, Due) else None,
            text={lang: Text(t["title"], t["why"], tuple(t["steps"]))
                  for lang, t in raw["text"].items()},
            file=doc.name, line=doc.line(path), position=position))
        return rule

    def build_advice(self, doc: _Doc, path: Path_, raw: dict[str, Any],
                     conds: list[Condition] | None, position: int) -> AdviceItem | None:
        if conds is None:
            return None
        item: AdviceItem | None = _try(lambda: AdviceItem(
            id=raw["id"], when=tuple(conds), cites=tuple(raw["cites"]),
            text={k: str(v) for k, v in raw["text"].items()}, file=doc.name,
            line=doc.line(path), position=position))
        return item

    def due(self, doc: _Doc, path: Path_, raw: Any, params: dict[str, Parameter],
            rule: str | None) -> Due | bool | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            return False
        fact = raw.get("from")
        ok = True
        if not isinstance(fact, str) or FACTS.get(fact) is None or FACTS[fact].type != "date":
            dates = [n for n, s in FACTS.items() if s.type == "date"]
            self.problem(doc, (*path, "from"), f"due.from must name a date fact "
                         f"({', '.join(dates)}), not {fact!r}", rule)
            ok = False
        days = self.operand(doc, (*path, "days"), raw.get("days"), params, rule, "int")
        if not ok or not isinstance(days, int) or isinstance(days, bool):
            return False
        return Due(str(fact), days)

    # -- conditions ------------------------------------------------------------------------

    def conditions(self, doc: _Doc, path: Path_, raw: Any, params: dict[str, Parameter],
                   rule: str | None, allow_advised: bool) -> list[Condition] | None:
        if raw is None:
            return []
        if not isinstance(raw, list):
            return None
        out: list[Condition] = []
        ok = True
        for i, item in enumerate(raw):
            cond = self.condition(doc, (*path, i), item, params, rule, allow_advised, True)
            if cond is None:
                ok = False
            else:
                out.append(cond)
        return out if ok else None

    def condition(self, doc: _Doc, path: Path_, item: Any, params: dict[str, Parameter],
                  rule: str | None, allow_advised: bool, allow_any: bool) -> Condition | None:
        if not isinstance(item, dict) or len(item) != 1:
            self.problem(doc, path, "a condition is a mapping with exactly one key: "
                         "'FACT: value', 'FACT: {op: value}', 'any: [...]' or "
                         "'advised: ACTION'", rule)
            return None
        (key, value), = item.items()
        if key == "any":
            if not allow_any:
                self.problem(doc, path, "'any' cannot be nested", rule)
                return None
            if not isinstance(value, list) or not value:
                self.problem(doc, path, "'any' takes a non-empty list of conditions", rule)
                return None
            alts = [self.condition(doc, (*path, "any", j), v, params, rule, False, False)
                    for j, v in enumerate(value)]
            if any(a is None for a in alts):
                return None
            tests = tuple(a for a in alts if isinstance(a, Test))
            return AnyOf(tests, "any of: " + "; ".join(t.source for t in tests))
        if key == "advised":
            if not allow_advised:
                self.problem(doc, path, "'advised' is only allowed at the top of a rule's "
                             "conditions", rule)
                return None
            if value not in ACTION_RUNGS:
                self.problem(doc, (*path, key), f"unknown action {value!r}"
                             + _suggest(str(value), ACTION_RUNGS), rule)
                return None
            return Advised(str(value), f"advised {value}")
        spec = FACTS.get(str(key))
        if spec is None:
            self.problem(doc, path, f"unknown fact {key!r}" + _suggest(str(key), FACTS), rule)
            return None
        if spec.type == "date":
            self.problem(doc, path, f"fact {key!r} is a date; dates are for 'due', not "
                         "conditions", rule)
            return None
        op, operand = ("is", value) if not isinstance(value, dict) else (
            next(iter(value.items())) if len(value) == 1 else (None, None))
        if op not in OPS:
            self.problem(doc, (*path, key), f"unknown operator {op!r}; use one of "
                         f"{', '.join(OPS)}" if op is not None else
                         "an operator mapping has exactly one key", rule)
            return None
        if spec.type != "int" and op in ORDER_OPS:
            self.problem(doc, (*path, key), f"{op!r} needs a number fact; {key!r} is "
                         f"{spec.type}", rule)
            return None
        if op in ("one_of", "none_of"):
            if not isinstance(operand, list) or not operand:
                self.problem(doc, (*path, key), f"{op!r} takes a non-empty list", rule)
                return None
            values = [self.operand(doc, (*path, key, op, j), v, params, rule, spec.type,
                                   spec.choices) for j, v in enumerate(operand)]
            if any(v is None for v in values):
                return None
            resolved: Scalar | tuple[Scalar, ...] = tuple(v for v in values if v is not None)
        else:
            one = self.operand(doc, (*path, key), operand, params, rule, spec.type, spec.choices)
            if one is None:
                return None
            resolved = one
        written = operand if not isinstance(operand, dict) else f"param {operand.get('param')}"
        return Test(str(key), op, resolved, f"{key} {op} {_show(written)}")  # type: ignore[arg-type]

    def operand(self, doc: _Doc, path: Path_, value: Any, params: dict[str, Parameter],
                rule: str | None, kind: str, choices: tuple[str, ...] = ()) -> Scalar | None:
        if isinstance(value, dict):
            if set(value) != {"param"} or not isinstance(value["param"], str):
                self.problem(doc, path, "a parameter reference is written {param: NAME}", rule)
                return None
            name = value["param"]
            if name in self.invalid_parameters:
                self.problem(doc, path, f"parameter {name!r} is invalid (declared at "
                             f"{self.invalid_parameters[name]})", rule)
                return None
            if name not in params:
                self.problem(doc, path, f"unknown parameter {name!r}" + _suggest(name, params),
                             rule)
                return None
            param = params[name]
            if param.confidence == "U":
                self.problem(doc, path, f"parameter {name!r} is unconfirmed (confidence U) "
                             "and may not be used in a rule", rule)
                return None
            value = param.value
        want = {"int": int, "bool": bool, "str": str}[kind]
        if not isinstance(value, want) or (kind == "int" and isinstance(value, bool)):
            self.problem(doc, path, f"expected a {kind} value, got {_show(value)}", rule)
            return None
        if kind == "str" and choices and value not in choices:
            self.problem(doc, path, f"{value!r} is not a value of this fact; one of: "
                         f"{', '.join(choices)}" + _suggest(str(value), choices), rule)
            return None
        return value  # type: ignore[return-value]


def _rule_id(data: Any, loc: Path_) -> str | None:
    if len(loc) >= 2 and loc[0] in ("rules", "advice") and isinstance(loc[1], int):
        items = data.get(loc[0])
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            rid = items[loc[1]].get("id")
            return rid if isinstance(rid, str) else None
    return None


def _suggest(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _flat(text: str) -> str:
    """``text`` on one line."""
    return " ".join(text.split())


def _show(value: Any) -> str:
    return "true" if value is True else "false" if value is False else repr(value)


def _time(text: str) -> time | None:
    m = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", text)
    return time(int(m.group(1)), int(m.group(2))) if m else None


def _try(build: Any) -> Any:
    """Build an object from raw data already reported on; ``None`` if the data was malformed."""
    try:
        return build()
    except (KeyError, TypeError, AttributeError, ValueError):
        return None


def _digest(directory: Path, rule_paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in [directory / MANIFEST, *rule_paths]:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()
