"""Cut a document into candidate units (sentences, clauses after 。；, table cells) with offsets and section paths."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..sections import Part, Section, parse_sections, squash

UnitRole = Literal["text", "heading", "lead", "short"]
MIN_CHARS = 8  # squashed characters; shorter units are sub-headings ("创新药。") or table labels

_STOP = re.compile(r"[。；;！？!?]|\n|\t")
_ATTACHMENT = re.compile(r"^\s*附\s*件\s*(\d{1,2})\s*[:：]?\s*$")
_LEDGER_ROW = re.compile(r"^(?:[^\t\n]*\t)?(\d{1,2})\t")
_LEAD = re.compile(r"^[（(]?\s*(牵头单位|责任单位|牵头部门|责任部门)")


@dataclass(frozen=True)
class Unit:
    """A candidate quote: its span in the text, the section it sits in and the titles above it."""

    start: int
    end: int
    text: str
    section: str
    context: str  # titles of the enclosing sections, outermost first
    role: UnitRole


@dataclass(frozen=True)
class Sample:
    """A text to classify with the titles of the sections above it."""

    text: str
    context: str = ""


@dataclass
class Segmented:
    text: str
    parts: list[Part]
    sections: list[Section]
    units: list[Unit] = field(default_factory=list)

    @property
    def numbered(self) -> bool:
        """Whether any numbered heading was found (the preamble alone does not count)."""
        return any(s.path for s in self.sections)


def detect_parts(text: str) -> list[Part]:
    """Parts whose numbering restarts: each "附件 N" line alone starts one; a part whose lines are mostly
    "unit<TAB>number<TAB>task" rows is a work ledger."""
    lines = text.splitlines()
    marks = [(i, m.group(1), ln.strip()) for i, ln in enumerate(lines) if (m := _ATTACHMENT.match(ln))]
    parts: list[Part] = []
    for k, (i, num, line) in enumerate(marks):
        end = marks[k + 1][0] if k + 1 < len(marks) else len(lines)
        rows = sum(1 for ln in lines[i:end] if _LEDGER_ROW.match(ln))
        parts.append(Part(label=f"附件{num}", starts=line, ledger=rows >= 3))
    return parts


def _title(sec: Section) -> str:
    t = sec.title.split("。", 1)[0]
    return t[:40]


def _role(piece: str, at_heading: bool) -> UnitRole:
    if at_heading:
        return "heading"
    if _LEAD.match(piece.strip()):
        return "lead"
    if len(squash(piece)) < MIN_CHARS:
        return "short"
    return "text"


_HARD_END = "。；：！？;:!?）)”"
_WRAP_MIN = 20  # a line this long that stops mid-sentence was wrapped (a page break, a PDF line end)


def _soft_break(text: str, at: int, heading_starts: dict[int, Section]) -> bool:
    """Whether the line break at `at` only wraps a sentence: the line is long and stops mid-sentence, and the
    next line is neither a heading nor a table row."""
    if text[at] != "\n":
        return False
    line_start = text.rfind("\n", 0, at) + 1
    line = text[line_start:at].rstrip()
    if "\t" in line or len(squash(line)) < _WRAP_MIN or line[-1:] in _HARD_END:
        return False
    nxt = at + 1
    while nxt < len(text) and text[nxt].isspace():
        nxt += 1
    end = text.find("\n", nxt)
    following = text[nxt : end if end >= 0 else len(text)]
    return nxt < len(text) and nxt not in heading_starts and "\t" not in following


def segment(text: str, parts: list[Part] | None = None) -> Segmented:
    """Units in text order. A unit that starts where a section starts is that section's heading."""
    parts = detect_parts(text) if parts is None else parts
    spec = [Part("", ""), *parts] if parts else None
    sections = parse_sections(text, spec)
    heading_starts = {}
    for s in sections:
        if s.path:
            pos = s.start
            while pos < len(text) and text[pos].isspace():
                pos += 1
            heading_starts[pos] = s
    seg = Segmented(text, parts, sections)
    pos = 0
    for m in [*_STOP.finditer(text), None]:
        if m is not None and _soft_break(text, m.start(), heading_starts):
            continue
        stop = m.end() if m else len(text)
        raw = text[pos:stop]
        lead_ws = len(raw) - len(raw.lstrip())
        a, b = pos + lead_ws, pos + len(raw.rstrip())
        pos = stop
        if a >= b or not squash(text[a:b]):
            continue
        # The ledger number cell opens a row; the task text follows it.
        enclosing = [s for s in sections if s.start <= a < s.end]
        deepest = max(enclosing, key=lambda s: (s.start, len(s.path))) if enclosing else sections[0]
        context = " / ".join(_title(s) for s in sorted(enclosing, key=lambda s: s.start) if s.path)
        seg.units.append(Unit(a, b, text[a:b], deepest.path, context, _role(text[a:b], a in heading_starts)))
    return seg
