"""Finding the columns of a company list by their usual Chinese and English names."""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

from .read import NO_LIMITS, InputError, Limits, Table, read_table
from .table import over_long

SHOWN = 40  # columns named in an error message; a careless export can have thousands

ALIASES: dict[str, list[str]] = {
    "name": ["公司名称", "企业名称", "名称", "公司", "企业", "name", "company", "companyname", "company_name"],
    "text": [
        "主营业务",
        "经营范围",
        "简介",
        "公司简介",
        "企业简介",
        "业务描述",
        "业务",
        "描述",
        "主营产品",
        "description",
        "business",
        "businessscope",
        "business_scope",
        "summary",
        "about",
    ],
    "industry": ["行业", "所属行业", "国标行业", "行业分类", "industry", "sector"],
    "revenue": ["营收", "营业收入", "年营收", "营收(万元)", "营业收入(万元)", "revenue", "revenue_cny"],
    "headcount": ["人数", "员工人数", "参保人数", "职工人数", "employees", "headcount", "staff"],
    "id": ["统一社会信用代码", "信用代码", "企业代码", "id", "code"],
}


def listing(present: list[str]) -> str:
    more = f" … ({len(present):,} columns in all)" if len(present) > SHOWN else ""
    return ", ".join(present[:SHOWN]) + more


def _norm(h: str) -> str:
    return re.sub(r"[\s\ufeff（）()]", "", h).lower().replace("（", "(")


@dataclass
class Columns:
    name: str | None
    text: str
    industry: str | None = None
    revenue: str | None = None
    headcount: str | None = None
    id: str | None = None

    @classmethod
    def find(cls, present: list[str], given: dict[str, str | None]) -> Columns:
        """Columns named by flags win; the rest are found by alias. A missing text column is an error."""
        normed = {_norm(c): c for c in present}
        found: dict[str, str | None] = {}
        for role, aliases in ALIASES.items():
            flag = given.get(role)
            if flag:
                if flag not in present:
                    raise InputError(f"no column {flag!r}; the file has: {listing(present)}")
                found[role] = flag
                continue
            found[role] = next((normed[_norm(a)] for a in aliases if _norm(a) in normed), None)
        if found["text"] is None:
            raise InputError(
                "no description column (主营业务/经营范围/简介/description …); the file has: "
                + listing(present)
                + ". Name it with --text-col."
            )
        return cls(**found)  # type: ignore[arg-type]

    @property
    def used(self) -> list[str]:
        return [c for c in dict.fromkeys(astuple(self)) if c is not None]


def read_list(
    path: Path, given: dict[str, str | None], name: str | None = None, limits: Limits = NO_LIMITS
) -> tuple[Table, Columns]:
    """The list with its named columns (the output keeps them, in order), at most MAX_KEPT of them beside the
    columns in use; unnamed columns (a stray cell far to the right) are not read. The columns are found as soon as
    the header is read."""
    found: list[Columns] = []
    kept: list[str] = []

    def pick(present: list[str]) -> list[str]:
        cols = Columns.find(present, given)
        found.append(cols)
        named = [c for c in dict.fromkeys(present) if c.strip()]
        kept.extend(c for c in named if c in cols.used or len(kept) < MAX_KEPT)
        return kept

    table = read_table(path, pick, name, limits)
    if found:
        table.columns = kept
    cols = found[0] if found else Columns.find(table.columns, given)
    return over_long(table, cols.used), cols


# Named input columns a list keeps for its output, beside those in use: a sheet is read column by column, so a
# header of thousands of names costs only what its cells hold (empty cells are not kept).
MAX_KEPT = 500

_UNITS = {"亿": 1e8, "万": 1e4, "千": 1e3}


def parse_amount(value: Any, column: str) -> float:
    """Yuan from 1234567, '1,234.5万', '1.2亿', '3500' in a (万元) column; ValueError if unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = float(value)
    else:
        s = str(value).strip().replace(",", "").replace("，", "").removesuffix("元").removesuffix("人民币")
        if s and s[-1] in _UNITS:  # the cell carries its own unit
            try:
                return float(s[:-1]) * _UNITS[s[-1]]
            except ValueError:
                raise ValueError(f"{column} cell {value!r} is not a number") from None
        try:
            amount = float(s)
        except ValueError:
            raise ValueError(f"{column} cell {value!r} is not a number") from None
    if "万" in column:  # a bare number in a (万元) column
        amount *= 1e4
    if amount < 0:
        raise ValueError(f"{column} cell {value!r} is negative")
    return amount


def parse_count(value: Any, column: str) -> int:
    try:
        n = int(float(str(value).strip().replace(",", "").removesuffix("人")))
    except ValueError:
        raise ValueError(f"{column} cell {value!r} is not a whole number") from None
    if n < 0:
        raise ValueError(f"{column} cell {value!r} is negative")
    return n
