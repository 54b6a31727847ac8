"""Split a policy document into its numbered sections, as the document numbers them."""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_NUM = "一二三四五六七八九十"

# Heading patterns at the start of a line. Level 1: "三、", level 2: "（二）" or "(二)",
# level 3: "1." / "1．". Page-break artefacts never start a line with these shapes.
_L1 = re.compile(rf"^\s*([{CN_NUM}]+)、")
_L2 = re.compile(rf"^\s*[（(]([{CN_NUM}]+)[）)]")
_L3 = re.compile(r"^\s*(\d{1,2})\s*[.．](?!\d)")
# A ledger row: "单位<TAB>序号<TAB>内容", the unit cell may be empty or split over lines.
_ROW = re.compile(r"^(?:[^\t\n]*\t)?(\d{1,2})\t")

_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    """Drop all whitespace: the matching form for quotes (Chinese text has no word spaces)."""
    return _WS.sub("", text)


@dataclass(frozen=True)
class Part:
    """A part of a document whose numbering restarts, e.g. an attachment."""

    label: str  # "" for a document with a single numbering
    starts: str  # first characters of the part's opening line
    ledger: bool = False  # rows of a work ledger ("序号") instead of headings


@dataclass
class Section:
    """One numbered section: its path as the document writes it, and its text span."""

    path: str
    title: str
    start: int
    end: int = -1

    def text(self, doc: str) -> str:
        return doc[self.start : self.end]


def _path(prefix: str, l1: str, l2: str, l3: str) -> str:
    body = f"{l1}{l2}{l3}"
    return f"{prefix} {body}".strip() if prefix else body


def parse_sections(text: str, parts: list[Part] | None = None) -> list[Section]:
    """Return the document's sections in order; each spans up to the next heading.

    Nested sections overlap their parents: "三、" spans all of "三、（一）1." and so on.
    The text before the first heading is the section with path "" (the preamble).
    """
    parts = parts or [Part(label="", starts="")]
    lines = text.splitlines(keepends=True)
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)

    open_: dict[int, Section] = {}  # level -> currently open section
    sections: list[Section] = [Section(path="", title="", start=0)]
    open_[1] = sections[0]  # the preamble ends at the first heading
    part_idx = 0 if parts[0].starts == "" else -1
    prefix = parts[0].label if part_idx == 0 else ""
    l1 = l2 = l3 = ""

    def close(level: int, at: int) -> None:
        for lv in sorted(open_):
            if lv >= level and open_[lv].end < 0:
                open_[lv].end = at
        for lv in [k for k in open_ if k >= level]:
            del open_[lv]

    for line, start in zip(lines, offsets, strict=True):
        nxt = part_idx + 1
        if nxt < len(parts) and squash(line).startswith(squash(parts[nxt].starts)):
            part_idx = nxt
            close(0, start)
            prefix = parts[part_idx].label
            l1 = l2 = l3 = ""
            sec = Section(path=prefix, title=line.strip(), start=start)
            sections.append(sec)
            open_[0] = sec
            continue
        part = parts[part_idx] if part_idx >= 0 else None
        if part is not None and part.ledger:
            m = _ROW.match(line)
            if m:
                close(1, start)
                sec = Section(path=f"{prefix} 第{m.group(1)}项".strip(), title=line.strip(), start=start)
                sections.append(sec)
                open_[1] = sec
            continue
        if m := _L1.match(line):
            close(1, start)
            l1, l2, l3 = f"{m.group(1)}、", "", ""
            level = 1
        elif m := _L2.match(line):
            if not l1:
                continue
            close(2, start)
            l2, l3 = f"（{m.group(1)}）", ""
            level = 2
        elif m := _L3.match(line):
            if not l1:
                continue
            close(3, start)
            l3 = f"{m.group(1)}."
            level = 3
        else:
            continue
        sec = Section(path=_path(prefix, l1, l2, l3), title=line.strip(), start=start)
        sections.append(sec)
        open_[level] = sec
    close(0, len(text))
    return sections


def leaf_paths(sections: list[Section]) -> list[str]:
    """Paths of sections that have no sub-section: the units a measure can cite.

    Paths nest by prefix ("三、" < "三、（一）" < "三、（一）1."); numbers end in a delimiter,
    so "1." is never a prefix of "10.".
    """
    paths = [s.path for s in sections]
    return [p for p in paths if p and not any(q != p and q.startswith(p) for q in paths)]
