"""The prospect company: free-text description plus optional structured fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .kb.models import COMPANY_TYPES, Stage
from .text import Lang

MAX_TEXT = 10_000


class Prospect(BaseModel):
    """What an officer knows about a company. Only `text` is required."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="What the company does, in Chinese or English (1–10,000 characters).")
    name: str | None = Field(default=None, max_length=200)
    stage: Stage | None = None
    revenue_cny: float | None = Field(default=None, ge=0, description="Annual revenue in yuan.")
    headcount: int | None = Field(default=None, ge=0)
    investment_cny: float | None = Field(default=None, ge=0, description="Planned investment in yuan.")
    needs: list[str] = Field(default_factory=list, max_length=30, description="Need ids from the taxonomy.")
    company_type: list[str] = Field(default_factory=list, max_length=12)
    hk_macau: bool | None = Field(default=None, description="Founded or controlled from Hong Kong or Macau.")
    lang: Lang | None = Field(default=None, description="Language of the explanation; detected when absent.")

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("description is empty")
        if len(v) > MAX_TEXT:
            raise ValueError(f"description has {len(v)} characters; the limit is {MAX_TEXT}")
        return v

    @field_validator("company_type")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        bad = [t for t in v if t not in COMPANY_TYPES]
        if bad:
            raise ValueError(f"unknown company type(s) {bad}; choose from {list(COMPANY_TYPES)}")
        return v
