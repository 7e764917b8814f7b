"""The shape of a rule pack's YAML files, as pydantic models (structure only; meaning is checked
in ``validate``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..vocab import ActionId, Language

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,79}$")]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Manifest(_Model):
    name: Id
    version: NonEmpty
    languages: Annotated[list[Language], Field(min_length=1)]
    description: str = ""


class ParameterSpec(_Model):
    value: int | str | list[str]
    type: Literal["int", "time", "list"]
    source: NonEmpty
    confidence: Literal["C", "S", "U"]
    note: str = ""


class PackFile(_Model):
    pack: Manifest
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)
    labels: dict[Literal["channels", "evidence"], dict[str, dict[str, NonEmpty]]] = Field(
        default_factory=dict
    )
    notice: dict[str, NonEmpty] = Field(default_factory=dict)


class TextSpec(_Model):
    title: NonEmpty
    why: NonEmpty
    steps: Annotated[list[NonEmpty], Field(min_length=1)]


class DueSpec(_Model):
    from_: str = Field(alias="from")
    days: int | dict[str, str]


class RuleSpec(_Model):
    id: Id
    action: ActionId
    when: Annotated[list[dict[str, Any]], Field(min_length=1)]
    urgent: bool = False
    channels: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    cites: Annotated[list[NonEmpty], Field(min_length=1)]
    due: DueSpec | None = None
    text: dict[str, TextSpec]


class AdviceSpec(_Model):
    id: Id
    when: list[dict[str, Any]] = Field(default_factory=list)
    cites: Annotated[list[NonEmpty], Field(min_length=1)]
    text: dict[str, NonEmpty]


class RuleFile(_Model):
    rules: list[RuleSpec] = Field(default_factory=list)
    advice: list[AdviceSpec] = Field(default_factory=list)
