"""The labelled prospects: graded relevance per location, justified from the documents' text."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ..prospect import Prospect


class LabelledProspect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    lang: Literal["zh", "en"]
    origin: Literal["real", "hypothetical", "out_of_domain"]
    split: Literal["dev", "heldout"]
    name: str
    text: str
    fields: dict[str, Any] = Field(default_factory=dict)
    relevance: dict[str, int] = Field(default_factory=dict)
    why: dict[str, str] = Field(default_factory=dict)

    @property
    def out_of_domain(self) -> bool:
        return self.origin == "out_of_domain"

    def prospect(self) -> Prospect:
        return Prospect(text=self.text, name=self.name, **self.fields)


def load_prospects(path: Path) -> list[LabelledProspect]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    items = [LabelledProspect.model_validate(r) for r in raw]
    ids = [p.id for p in items]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: duplicate prospect ids")
    return items
