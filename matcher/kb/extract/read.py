"""Read a policy document (.txt, .docx, .pdf, .html) into the plain text quotes cite, noting what was not read."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..sections import squash
from .errors import EmptyDocument, FileTooLarge, NoTextLayer, UnreadableFile, UnsupportedFormat

MAX_BYTES = 20 * 1024 * 1024  # policy documents with a text layer are far smaller; larger files are scans or not policy
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Gap:
    """A place in the file whose text could not be read: a scanned page, an image, undecodable bytes."""

    where: str
    reason: str


@dataclass
class DocumentText:
    """The extracted plain text (what is stored under data/sources/ and what quotes must match)."""

    text: str
    format: str
    gaps: list[Gap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how it was read, e.g. mixed encodings


def decode(data: bytes) -> tuple[str, list[str], list[Gap]]:
    """Bytes to text: UTF-8 (BOM or not), UTF-16 with BOM, else line by line UTF-8 or GB18030, saying which."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), ["decoded as UTF-16"], []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), [], []
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    out: list[str] = []
    legacy: list[int] = []
    utf8 = 0  # lines with non-ASCII characters that are valid UTF-8
    gaps: list[Gap] = []
    for n, raw in enumerate(lines, 1):
        try:
            out.append(raw.decode("utf-8"))
            utf8 += not raw.isascii()
            continue
        except UnicodeDecodeError:
            pass
        try:
            out.append(raw.decode("gb18030"))
            legacy.append(n)
        except UnicodeDecodeError:
            out.append(raw.decode("gb18030", errors="replace"))
            gaps.append(Gap(f"line {n}", "bytes that are neither UTF-8 nor GB18030 (shown as �)"))
    if utf8 == 0:
        notes = ["decoded as GB18030 (GBK)"]
    else:
        shown = ", ".join(map(str, legacy[:10])) + (" …" if len(legacy) > 10 else "")
        notes = [f"mixed encodings: {len(legacy)} line(s) decoded as GB18030 (lines {shown}), the rest as UTF-8"]
    return "\n".join(out), notes, gaps


def _txt(data: bytes) -> DocumentText:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("this .txt file holds binary data, not text")
    text, notes, gaps = decode(data)
    return DocumentText(text, "txt", gaps, notes)


def _docx(data: bytes) -> DocumentText:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise UnreadableFile(f"not a readable .docx file ({type(err).__name__}); save it again as Word .docx") from err
    lines: list[str] = []
    gaps: list[Gap] = []
    tables = 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            if child.xpath(".//w:drawing | .//w:pict"):
                gaps.append(Gap(f"paragraph {len(lines) + 1}", "an image; any text in it is not read"))
            lines.append(para.text)
        elif tag == "tbl":
            tables += 1
            for row in Table(child, document).rows:
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:  # a merged cell is returned once per grid column it spans
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(cell.text.split("\n")))
                lines.append("\t".join(cells))
            lines.append("")
    notes = [f"{tables} table(s) read row by row, cells separated by tabs"] if tables else []
    return DocumentText("\n".join(lines), "docx", gaps, notes)


def _pdf(data: bytes) -> DocumentText:
    import pdfplumber

    pages: list[str] = []
    gaps: list[Gap] = []
    scanned = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for n, page in enumerate(pdf.pages, 1):
                text = page.extract_text() or ""
                area = float(page.width * page.height) or 1.0
                covered = sum(float(i["width"] * i["height"]) for i in page.images) / area
                if not squash(text):
                    if page.images:
                        scanned += 1
                        gaps.append(Gap(f"page {n}", "a scanned image with no text layer"))
                    else:
                        gaps.append(Gap(f"page {n}", "empty page"))
                elif covered > 0.2:
                    gaps.append(Gap(f"page {n}", "an image (a picture of a table or text?) that is not read"))
                pages.append(text)
    except Exception as err:  # pdfminer raises many types for damaged or encrypted files
        raise UnreadableFile(f"not a readable PDF ({type(err).__name__}: {err})") from err
    if not any(squash(p) for p in pages):
        if scanned:
            raise NoTextLayer(
                f"the PDF has no text layer ({scanned} of {len(pages)} page(s) are scanned images): "
                "run OCR first or obtain the text version"
            )
        raise EmptyDocument(f"the PDF holds no text ({len(pages)} page(s))")
    return DocumentText("\n\n".join(pages), "pdf", gaps, [])


def _html(data: bytes) -> DocumentText:
    import trafilatura

    m = _META_CHARSET.search(data[:4096])
    if m and m.group(1).lower() in {b"gbk", b"gb2312", b"gb18030"}:
        html, notes = data.decode("gb18030", errors="replace"), ["decoded as GB18030 (meta charset)"]
        gaps: list[Gap] = []
    else:
        html, notes, gaps = decode(data)
    text = trafilatura.extract(html, include_tables=True, include_comments=False, favor_recall=True, deduplicate=False)
    if not text or not squash(text):
        raise EmptyDocument("no main text found in the HTML page")
    images = len(re.findall(r"<img\b", html, re.IGNORECASE))
    if images:
        gaps.append(Gap("page", f"{images} image(s) not read"))
    return DocumentText(text, "html", gaps, notes)


READERS: dict[str, Callable[[bytes], DocumentText]] = {
    ".txt": _txt,
    ".docx": _docx,
    ".pdf": _pdf,
    ".html": _html,
    ".htm": _html,
}


def read_bytes(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES) -> DocumentText:
    """Text of an uploaded file; the extension chooses the reader. Raises an ExtractError subclass on bad input."""
    suffix = Path(filename).suffix.lower()
    if suffix not in READERS:
        hint = " (save it as .docx)" if suffix in {".doc", ".wps"} else ""
        raise UnsupportedFormat(f"unsupported file type {suffix or '(none)'!r}{hint}; use one of {', '.join(READERS)}")
    if len(data) > max_bytes:
        raise FileTooLarge(
            f"{filename} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB "
            "(a policy document with a text layer is far smaller: is it scanned?)"
        )
    doc = READERS[suffix](data)
    doc.text = doc.text.replace("\r\n", "\n").replace("\r", "\n")
    if not squash(doc.text):
        raise EmptyDocument(f"{filename} holds no text")
    return doc


def read_file(path: Path, *, max_bytes: int = MAX_BYTES) -> DocumentText:
    """`read_bytes` for a file on disk; the size is checked before reading."""
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(
            f"{path.name} is {size / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB "
            "(a policy document with a text layer is far smaller: is it scanned?)"
        )
    return read_bytes(path.read_bytes(), path.name, max_bytes=max_bytes)
