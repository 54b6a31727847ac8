"""Propose a manifest entry (title, issuer, number, date, level, location, period) from what the text states."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ..models import LEVEL_RANK
from ..sections import Part
from .numbers import parse_number
from .places import PlaceFinder

_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}\s*[〔\[［﹝【(（]\s*(?:19|20)\d\d\s*[〕\]］﹞】)）]\s*\d+\s*号")
_DATE = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_LINE = re.compile(r"^\s*((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:印发|发布|公布)?\s*$")
_ARTEFACT = re.compile(r"\[bookmark:[^\]]*\]|^附\s*件\s*\d*\s*$")
_YEAR_LINE = re.compile(r"^[（(]\s*(?:19|20)\d\d\s*[-—－~～至]\s*(?:19|20)\d\d\s*年\s*[）)]$")
_FILE_HEADER = re.compile(r"^\s*([\u4e00-\u9fff]{2,24}?)\s*文件\s*$")
_ISSUE_NOTICE = re.compile(r"^\s*([\u4e00-\u9fff]{2,24}?)关于(?:印发|发布)")
_QUOTED = re.compile(r"《([^》]{4,80})》")
_YEARS = re.compile(r"((?:19|20)\d\d)\s*[-—－~～至]\s*((?:19|20)\d\d)\s*年(?:度)?")
_ONE_YEAR = re.compile(r"((?:19|20)\d\d)\s*年度")
_FROM = re.compile(r"自\s*((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日起(?:施行|实施|执行|生效)")
_FROM_ISSUE = re.compile(r"自(?:印发|公布|发布|颁布)之日起(?:施行|实施|执行|生效)")
_VALID_FOR = re.compile(r"有效期(?:为|至)?\s*(\d+|[一二两三四五六七八九十]+)\s*年")
_VALID_UNTIL = re.compile(r"有效期至\s*((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}\s*[.．])")
_TITLE_WORDS = re.compile(r"(?:方案|意见|办法|规定|措施|计划|要点|细则|通知|规划|政策|决定|纲要|指引|台账)")


@dataclass
class Proposed:
    value: Any
    confidence: float
    evidence: str = ""  # the words in the text the value comes from


@dataclass
class ManifestProposal:
    id: str
    file: str
    title: Proposed
    issuer: Proposed
    doc_number: Proposed
    issued: Proposed
    level: Proposed
    location: Proposed
    period: Proposed
    parts: list[Part] = field(default_factory=list)

    def entry(self) -> dict[str, Any]:
        """A manifest entry for review (data/sources/manifest.yaml), with a confidence comment per field."""
        period = self.period.value or {"start": None, "end": None, "text": ""}
        out: dict[str, Any] = {
            "id": self.id,
            "file": self.file,
            "title": self.title.value,
            "title_en": "TODO: English title",
            "issuer": self.issuer.value,
            "doc_number": self.doc_number.value,
            "issued": self.issued.value,
            "level": self.level.value,
            "location": self.location.value,
            "period": period,
        }
        if self.parts:
            out["parts"] = [
                {"label": p.label, "starts": p.starts, **({"ledger": True} if p.ledger else {})} for p in self.parts
            ]
        out["no_measures"] = {}
        return out

    def confidences(self) -> dict[str, dict[str, Any]]:
        names = ("title", "issuer", "doc_number", "issued", "level", "location", "period")
        return {n: {k: v for k, v in asdict(getattr(self, n)).items() if k != "value"} for n in names}


def _head(text: str, n: int = 60) -> list[str]:
    """Leading non-empty lines, with conversion artefacts and a lone "附件1" removed."""
    lines = (_ARTEFACT.sub("", ln).strip() for ln in text.splitlines()[:n])
    return [ln for ln in lines if ln]


def _title(text: str) -> Proposed:
    lines = _head(text)
    for ln in lines[:12]:
        if "印发" in ln or "发布" in ln:
            joined = "".join(lines[lines.index(ln) : lines.index(ln) + 4])
            quoted = _QUOTED.findall(joined.split("通知")[0] + "通知")
            if quoted:
                title = quoted[0]
                for other in quoted[1:]:  # 《…工作要点》《…工作台账》 → …工作要点、工作台账
                    k = 0
                    while k < min(len(title), len(other)) and title[k] == other[k]:
                        k += 1
                    title += "、" + other[k:]
                return Proposed(re.sub(r"\s+", "", title), 0.8, joined[:80])
    parts: list[str] = []
    for ln in lines[:8]:
        if _FILE_HEADER.match(ln) or _DOC_NUMBER.fullmatch(ln) or _HEADING.match(ln) or ln.endswith("："):
            if parts:
                break
            continue
        if len(ln) > 40 or "。" in ln:
            break
        if parts and _TITLE_WORDS.search(parts[-1][-4:]) and not _YEAR_LINE.match(ln):
            break
        parts.append(ln)
        if _YEAR_LINE.match(ln):
            break
    title = re.sub(r"\s+", "", "".join(parts))
    return Proposed(title or None, 0.6 if title and _TITLE_WORDS.search(title) else 0.2, "leading lines")


def _doc_number(text: str) -> Proposed:
    for ln in _head(text, 40):
        m = _DOC_NUMBER.search(ln)
        if m and len(re.sub(r"\s+", "", ln)) <= len(re.sub(r"\s+", "", m.group())) + 2:
            return Proposed(re.sub(r"\s+", "", m.group()), 0.9, ln)
    return Proposed(None, 0.5, "no document number on a line of its own")


def _issued(text: str) -> Proposed:
    lines = text.splitlines()
    for i, ln in enumerate(lines):
        if m := _DATE_LINE.match(ln):
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            try:
                return Proposed(dt.date(y, mo, d), 0.8, f"line {i + 1}: {ln.strip()}")
            except ValueError:
                continue
    return Proposed(None, 0.5, "no date on a line of its own")


def _issuer(text: str, finder: PlaceFinder, title: str | None) -> Proposed:
    lines = _head(text, 40)
    for ln in lines[:6]:
        if m := _FILE_HEADER.match(ln):
            return Proposed(m.group(1), 0.85, ln)
        if m := _ISSUE_NOTICE.match(ln):
            return Proposed(m.group(1), 0.8, ln)
    all_lines = [ln.strip() for ln in text.splitlines()]
    for i, ln in enumerate(all_lines):
        if _DATE_LINE.match(ln):
            prev = next((p for p in reversed(all_lines[:i]) if p), "")
            if 2 <= len(prev) <= 24 and re.search(r"(政府|委员会|管委会|厅|局|办公室|委)$", prev):
                return Proposed(prev, 0.75, f"{prev} / {ln}")
    if title:
        named = finder.named(title, None)
        if named:
            loc = finder.kb.locations[named[0][0]]
            return Proposed(loc.name_zh, 0.4, f"the title names {named[0][1]}")
    return Proposed(None, 0.0, "not stated")


def _location(finder: PlaceFinder, issuer: str | None, title: str | None) -> Proposed:
    for what, text in (("issuer", issuer), ("title", title)):
        if not text:
            continue
        province = [
            loc for loc in finder.kb.locations.values() if loc.level == "province" and text.startswith(loc.name_zh)
        ]
        named = finder.named(text, None)
        if province and not named:
            return Proposed(province[0].id, 0.7 if what == "issuer" else 0.5, f"the {what} names {province[0].name_zh}")
        if named:
            return Proposed(named[0][0], 0.7 if what == "issuer" else 0.5, f"the {what} names {named[0][1]}")
    return Proposed(None, 0.0, "the issuer's place is not in the gazetteer: add a location file first")


def _level(finder: PlaceFinder, location: str | None, issuer: str | None) -> Proposed:
    if location and location in finder.kb.locations:
        lv = finder.kb.locations[location].level
        if LEVEL_RANK[lv] > LEVEL_RANK["district"]:
            lv = "district"
        return Proposed(lv, 0.7, f"the level of {location}")
    if issuer:
        for word, lv in (("省", "province"), ("区", "district"), ("县", "district"), ("市", "city")):
            if word in issuer:
                return Proposed(lv, 0.5, f"{word} in the issuer's name")
    return Proposed(None, 0.0, "not stated")


def _period(text: str, title: str | None, issued: dt.date | None) -> Proposed:
    if title and (m := _YEARS.search(title)):
        a, b = int(m.group(1)), int(m.group(2))
        value = {"start": dt.date(a, 1, 1), "end": dt.date(b, 12, 31), "text": m.group().replace(" ", "")}
        return Proposed(value, 0.8, f"the title states {m.group()}")
    if title and (m := _ONE_YEAR.search(title)):
        y = int(m.group(1))
        return Proposed({"start": dt.date(y, 1, 1), "end": dt.date(y, 12, 31), "text": m.group()}, 0.7, m.group())
    start: dt.date | None = None
    said: list[str] = []
    if m := _FROM.search(text):
        start = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        said.append(m.group())
    elif m := _FROM_ISSUE.search(text):
        start = issued
        said.append(m.group())
    end: dt.date | None = None
    if m := _VALID_UNTIL.search(text):
        end = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        said.append(m.group())
    elif (m := _VALID_FOR.search(text)) and start is not None:
        years = int(parse_number(m.group(1)) or 0)
        end = start.replace(year=start.year + years) - dt.timedelta(days=1)
        said.append(m.group())
    if said:
        return Proposed({"start": start, "end": end, "text": "；".join(said)}, 0.7, "；".join(said))
    return Proposed(None, 0.0, "no period stated")


def propose_manifest(text: str, doc_id: str, file: str, finder: PlaceFinder, parts: list[Part]) -> ManifestProposal:
    title = _title(text)
    issued = _issued(text)
    issuer = _issuer(text, finder, title.value)
    location = _location(finder, issuer.value, title.value)
    return ManifestProposal(
        id=doc_id,
        file=file,
        title=title,
        issuer=issuer,
        doc_number=_doc_number(text),
        issued=issued,
        level=_level(finder, location.value, issuer.value),
        location=location,
        period=_period(text, title.value, issued.value),
        parts=parts,
    )
