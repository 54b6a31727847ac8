"""XLSX lists, streamed through expat: only the columns in use and the shared strings they cite are kept."""

from __future__ import annotations

import posixpath
import zipfile
from array import array
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

import numpy as np

from .table import MAX_CELL, NO_LIMITS, Collector, InputError, Limits, Pick, Rows, Table, keep_indices

SEP = "|"  # expat's separator between a namespace and a local name

# A row as the sheet gives it: its number, its cells by column index, and whether it holds anything at all.
RowSink = Callable[[int, dict[int, Any], bool], None]


class Shared(int):
    """A cell that cites a shared string by index, resolved once the strings in use are known."""


class Done(Exception):
    """Raised from a handler to stop parsing early."""


def column_index(ref: str) -> int:
    """0-based column of a cell reference: 'A1' → 0, 'XFD9' → 16383."""
    n = 0
    for ch in ref:
        if not ("A" <= ch <= "Z"):
            break
        n = n * 26 + ord(ch) - 64
    return n - 1


def local(tag: str) -> str:
    return tag.rsplit(SEP, 1)[-1]


def make_parser() -> expat.XMLParserType:
    p = expat.ParserCreate(namespace_separator=SEP)
    p.buffer_text = True

    def no_dtd(*_: object) -> None:  # a workbook never declares one; entity tricks start there
        raise InputError("it declares a DTD, which no spreadsheet does")

    p.StartDoctypeDeclHandler = no_dtd
    p.EntityDeclHandler = no_dtd
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return p


def parse(f: IO[bytes], p: expat.XMLParserType) -> None:
    try:
        p.ParseFile(f)
    except Done:
        pass


def cell_value(kind: str, text: str) -> Any:
    if text == "":
        return None
    if kind == "s":
        return Shared(int(text))
    if kind == "b":
        return text == "1"
    if kind in ("", "n"):
        try:
            return float(text) if any(ch in text for ch in ".eE") else int(text)
        except ValueError:
            return text
    return text  # inlineStr, str (a formula's text), e (an error such as #N/A), d (an ISO date)


def sheet_rows(f: IO[bytes], wanted: Collection[int] | None, sink: RowSink, first_only: bool = False) -> None:
    """Feed `sink` every row; cells outside `wanted` (None: all) are only noted as present."""
    p = make_parser()
    st: dict[str, Any] = {"row": 0, "col": -1, "cells": {}, "any": False, "kind": "", "keep": False, "text": None}
    parts: list[str] = []
    size = [0]
    depth = {"v": False, "t": False, "rPh": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = local(tag)
        if name == "row":
            st["row"] = int(attrs["r"]) if "r" in attrs else st["row"] + 1
            st["col"], st["cells"], st["any"] = -1, {}, False
        elif name == "c":
            st["col"] = column_index(attrs["r"]) if "r" in attrs else st["col"] + 1
            st["kind"] = attrs.get("t", "")
            st["keep"] = wanted is None or st["col"] in wanted
            st["text"] = None
            parts.clear()
            size[0] = 0
        elif name == "v":
            depth["v"] = True
        elif name == "t":
            depth["t"] = True
        elif name == "rPh":
            depth["rPh"] += 1

    def end(tag: str) -> None:
        name = local(tag)
        if name == "v":
            depth["v"] = False
        elif name == "t":
            depth["t"] = False
        elif name == "rPh":
            depth["rPh"] -= 1
        elif name == "c":
            text = "".join(parts)
            if st["text"] is not None or text:
                st["any"] = True
            if st["keep"]:
                value = cell_value(st["kind"], text)
                if value is not None:
                    st["cells"][st["col"]] = value
        elif name == "row":
            sink(st["row"], st["cells"], st["any"])
            if first_only and st["any"]:
                raise Done

    def chars(data: str) -> None:
        if not (depth["v"] or (depth["t"] and not depth["rPh"])):
            return
        st["text"] = ""  # the cell holds something, kept or not
        if st["keep"] and size[0] <= MAX_CELL:
            parts.append(data[: MAX_CELL + 1 - size[0]])
            size[0] += len(parts[-1])

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    parse(f, p)


class Strings:
    """The shared strings a sheet cites, by index, in a temporary file as the kept rows are (`Rows`): a list of a
    million distinct descriptions cites a million strings, about 0.3 KB each as Python objects. The process keeps
    the cited indices, sorted (8 bytes each), to find a string."""

    def __init__(self, found: Rows | None = None) -> None:
        self._rows = found if found is not None else Rows(spool=0)
        self._index = self._rows.numbers()

    def get(self, i: int, default: str = "") -> str:
        k = int(np.searchsorted(self._index, i))
        if k < len(self._index) and int(self._index[k]) == i:
            return str(self._rows[k][1][""])
        return default

    def close(self) -> None:
        self._rows.close()


def cited_indices(cited: Iterable[int]) -> array[int]:
    """The distinct shared-string indices cited, ascending, as `shared_strings` walks them."""
    given = np.frombuffer(cited, dtype=np.int64) if isinstance(cited, array) else np.fromiter(cited, dtype=np.int64)
    out = array("q")
    out.frombytes(np.unique(given).tobytes())
    return out


def shared_strings(f: IO[bytes], wanted: array[int], budget: int | None = None) -> Strings:
    """The shared strings cited (`wanted`, ascending), each cut at one character over the cell limit; stops once
    all are found. InputError when they hold more than `budget` characters in all."""
    p = make_parser()
    total = [0]
    found = Rows()
    # i: the current string's index; k: the first wanted index ≥ i; w: whether i is wanted
    st = {"i": -1, "k": 0, "w": False, "t": False, "rPh": 0}
    parts: list[str] = []
    size = [0]

    def start(tag: str, _: dict[str, str]) -> None:
        name = local(tag)
        if name == "si":
            i = st["i"] = st["i"] + 1
            k = st["k"]
            while k < len(wanted) and wanted[k] < i:
                k += 1
            st["k"], st["w"] = k, k < len(wanted) and wanted[k] == i
            parts.clear()
            size[0] = 0
        elif name == "t":
            st["t"] = True
        elif name == "rPh":
            st["rPh"] += 1

    def end(tag: str) -> None:
        name = local(tag)
        if name == "t":
            st["t"] = False
        elif name == "rPh":
            st["rPh"] -= 1
        elif name == "si" and st["w"]:
            st["w"] = False
            found.append((st["i"], {"": "".join(parts)}))
            total[0] += size[0]
            if budget is not None and total[0] > budget:
                raise InputError(f"the shared strings it cites hold more than {budget:,} characters")
            if len(found) == len(wanted):
                raise Done

    def chars(data: str) -> None:
        if st["t"] and not st["rPh"] and st["w"] and size[0] <= MAX_CELL:
            parts.append(data[: MAX_CELL + 1 - size[0]])
            size[0] += len(parts[-1])

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    try:
        parse(f, p)
    except BaseException:
        found.close()
        raise
    return Strings(found)


class Workbook:
    """The parts of an .xlsx file a list needs: the first sheet and the shared strings."""

    def __init__(self, path: Path, name: str, limits: Limits):
        self.name, self.limits = name, limits
        try:
            self.zip = zipfile.ZipFile(path)
            self.sheet, self.strings = self._parts()
        except (zipfile.BadZipFile, KeyError, ValueError, expat.ExpatError, OSError) as err:
            raise InputError(f"{name} is not a readable .xlsx workbook ({type(err).__name__}: {err})") from err

    def _parts(self) -> tuple[str, str | None]:
        names = set(self.zip.namelist())
        rels: dict[str, tuple[str, str]] = {}
        first: list[str] = []

        def rel(tag: str, a: dict[str, str]) -> None:
            if local(tag) == "Relationship":
                rels[a["Id"]] = (a.get("Type", ""), a["Target"])

        def sheet(tag: str, a: dict[str, str]) -> None:
            rid = next((v for k, v in a.items() if k.endswith(SEP + "id")), None)  # transitional or strict OOXML
            if local(tag) == "sheet" and not first and rid is not None:
                first.append(rid)

        for part, handler in (("xl/_rels/workbook.xml.rels", rel), ("xl/workbook.xml", sheet)):
            if part in names:
                p = make_parser()
                p.StartElementHandler = handler
                with self.open(part) as f:
                    parse(f, p)

        def target(t: str) -> str:
            return t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))

        sheet_part = target(rels[first[0]][1]) if first and first[0] in rels else "xl/worksheets/sheet1.xml"
        if sheet_part not in names:
            raise KeyError(f"no worksheet {sheet_part}")
        strings = next((target(t) for kind, t in rels.values() if kind.endswith("/sharedStrings")), None)
        if strings is None and "xl/sharedStrings.xml" in names:
            strings = "xl/sharedStrings.xml"
        return sheet_part, strings if strings in names else None

    def open(self, part: str) -> IO[bytes]:
        size = self.zip.getinfo(part).file_size
        if self.limits.unpacked is not None and size > self.limits.unpacked:
            raise InputError(
                f"{self.name}: {part} unpacks to {size:,} bytes; the limit is {self.limits.unpacked:,} bytes"
            )
        return self.zip.open(part)

    def read(self, run: Callable[[IO[bytes]], Any], part: str) -> Any:
        try:
            with self.open(part) as f:
                return run(f)
        except (expat.ExpatError, zipfile.BadZipFile, ValueError, KeyError, EOFError) as err:
            if isinstance(err, InputError):
                if str(err).startswith(self.name):
                    raise
                raise InputError(f"{self.name}: {err}") from err
            raise InputError(f"{self.name} is not a readable .xlsx workbook ({type(err).__name__}: {err})") from err

    def resolve(self, cited: Iterable[int]) -> Strings:
        wanted = cited_indices(cited)
        if not wanted:
            return Strings()
        if self.strings is None:
            raise InputError(f"{self.name} cites shared strings but has none")
        found: Strings = self.read(lambda f: shared_strings(f, wanted, self.limits.chars), self.strings)
        return found

    def header(self) -> tuple[int, list[str]]:
        """The first row that holds anything, as column names ('column N' where a cell is empty)."""
        got: list[tuple[int, dict[int, Any]]] = []

        def sink(n: int, cells: dict[int, Any], any_: bool) -> None:
            if any_:
                got.append((n, cells))

        self.read(lambda f: sheet_rows(f, None, sink, first_only=True), self.sheet)
        if not got:
            raise InputError(f"the first sheet of {self.name} is empty")
        n, cells = got[0]
        strings = self.resolve(v for v in cells.values() if isinstance(v, Shared))
        names = []
        for i in range(max(cells) + 1 if cells else 0):
            v = cells.get(i)
            v = strings.get(v, "") if isinstance(v, Shared) else v
            text = "" if v is None else str(v).strip()
            names.append(text or f"column {i + 1}")
        strings.close()
        return n, names

    def close(self) -> None:
        self.zip.close()


def read_xlsx(path: Path, pick: Pick | None = None, name: str | None = None, limits: Limits = NO_LIMITS) -> Table:
    name = name or path.name
    wb = Workbook(path, name, limits)
    try:
        header_row, columns = wb.header()
        keep = keep_indices(columns, pick)
        by_index = {i: c for c, i in keep}
        out = Collector(name, limits)
        cited = array("q")  # every shared-string index a kept cell cites, 8 bytes each

        def sink(n: int, cells: dict[int, Any], any_: bool) -> None:
            if n <= header_row or not any_:
                return
            kept = {by_index[i]: v for i, v in cells.items()}
            cited.extend(v for v in kept.values() if isinstance(v, Shared))
            out.add(n, kept)

        wb.read(lambda f: sheet_rows(f, by_index, sink), wb.sheet)
        strings = wb.resolve(cited)
        del cited[:]  # its memory goes before the rows are resolved
        # Shared strings resolved, row by row; rows whose shared strings turned out over-long are refused now, as a
        # long inline cell was.
        rows = out.rows
        out.rows, out.chars, out.long = Rows(), 0, set()
        for n, cells in rows:
            out.add(n, {c: strings.get(v, "") if isinstance(v, Shared) else v for c, v in cells.items()})
        rows.close()
        strings.close()
        out.rows.sort()
        out.bad.sort(key=lambda r: r[0])
        return out.table(columns, None)
    finally:
        wb.close()


def xlsx_header(path: Path, name: str | None = None, limits: Limits = NO_LIMITS) -> list[str]:
    wb = Workbook(path, name or path.name, limits)
    try:
        return wb.header()[1]
    finally:
        wb.close()
