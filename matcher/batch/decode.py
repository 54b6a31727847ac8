"""Which encoding a text list is in, UTF-8 (with or without BOM) or GBK/GB18030, found without holding the file."""

from __future__ import annotations

import codecs
from pathlib import Path

from .table import InputError

CHUNK = 1 << 20
# After this many characters beyond ASCII read as valid UTF-8, a file is UTF-8: GBK text almost never is.
UTF8_EVIDENCE = 8
LABELS = {"utf-8-sig": "utf-8", "gb18030": "gbk/gb18030"}


def non_ascii(text: str) -> int:
    """How many characters are not ASCII (encoding drops exactly those)."""
    return 0 if text.isascii() else len(text) - len(text.encode("ascii", "ignore"))


def first_error(path: Path, codec: str, skip: int = 0, chunk: int = CHUNK) -> tuple[int, int] | None:
    """Where decoding fails (byte offset) and how many non-ASCII characters decoded before; None if it never does."""
    dec = codecs.getincrementaldecoder(codec)()
    fed, wide = skip, 0
    with path.open("rb") as f:
        f.seek(skip)
        while True:
            data = f.read(chunk)
            pending = dec.getstate()[0]
            try:
                text = dec.decode(data, final=not data)
            except UnicodeDecodeError as err:
                valid = (pending + data)[: err.start].decode(codec, errors="ignore")
                return fed - len(pending) + err.start, wide + non_ascii(valid)
            wide += non_ascii(text)
            fed += len(data)
            if not data:
                return None


def line_of(path: Path, offset: int) -> int:
    """The 1-based line that holds byte `offset`."""
    lines, seen = 1, 0
    with path.open("rb") as f:
        while seen < offset:
            data = f.read(min(CHUNK, offset - seen))
            if not data:
                break
            lines += data.count(b"\n")
            seen += len(data)
    return lines


def detect(path: Path, name: str) -> tuple[str, str]:
    """(codec to open the file with, label to report). A file neither encoding reads whole is refused at the byte
    where the encoding that read further stopped."""
    with path.open("rb") as f:
        bom = f.read(3) == codecs.BOM_UTF8
    utf8 = first_error(path, "utf-8", skip=3 if bom else 0)
    if utf8 is None:
        return "utf-8-sig", LABELS["utf-8-sig"]
    at, label = utf8[0], "UTF-8"
    if not bom and utf8[1] < UTF8_EVIDENCE:
        gbk = first_error(path, "gb18030")
        if gbk is None:
            return "gb18030", LABELS["gb18030"]
        if gbk[0] > at:
            at, label = gbk[0], "GBK/GB18030"
    raise InputError(
        f"cannot decode {name}: it reads as {label} up to byte {at} (line {line_of(path, at)}) but not there, and "
        "no other supported encoding reads it; save the whole file as UTF-8 CSV"
    )
