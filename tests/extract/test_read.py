"""Reading each format into plain text, and a clear error for each kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.kb.extract import (
    EmptyDocument,
    FileTooLarge,
    NoTextLayer,
    UnreadableFile,
    UnsupportedFormat,
    read_bytes,
    read_file,
)
from matcher.kb.sections import squash

from .docs import POLICY, write_docx, write_pdf


def test_utf8_text_is_read_unchanged() -> None:
    doc = read_bytes(POLICY.encode("utf-8"), "p.txt")
    assert doc.text == POLICY and doc.format == "txt" and doc.notes == [] and doc.gaps == []


def test_utf8_with_bom_and_crlf() -> None:
    doc = read_bytes(b"\xef\xbb\xbf" + POLICY.replace("\n", "\r\n").encode("utf-8"), "p.txt")
    assert doc.text == POLICY


def test_gbk_text_is_decoded_and_said() -> None:
    doc = read_bytes(POLICY.encode("gbk"), "p.txt")
    assert doc.text == POLICY
    assert doc.notes == ["decoded as GB18030 (GBK)"]


def test_mixed_encodings_are_decoded_line_by_line() -> None:
    lines = POLICY.splitlines()
    data = b"\n".join(ln.encode("gbk") if i in (4, 5) else ln.encode("utf-8") for i, ln in enumerate(lines))
    doc = read_bytes(data, "p.txt")
    assert doc.text.splitlines() == lines
    assert doc.notes == ["mixed encodings: 2 line(s) decoded as GB18030 (lines 5, 6), the rest as UTF-8"]


def test_binary_data_in_a_txt_file() -> None:
    with pytest.raises(UnreadableFile, match="binary data"):
        read_bytes(b"\x00\x01\x02" * 100, "p.txt")


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    doc = read_file(write_docx(tmp_path / "p.docx", image=True))
    assert squash(POLICY) in squash(doc.text)
    assert doc.text.rstrip().endswith("区科技局\t1\t支持建设生物医药公共技术服务平台。")
    assert "单位\t序号\t重点工作内容" in doc.text
    assert doc.notes == ["1 table(s) read row by row, cells separated by tabs"]
    assert [g.reason for g in doc.gaps] == ["an image; any text in it is not read"]


def test_broken_docx(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match=r"not a readable \.docx"):
        read_bytes(b"PK\x03\x04 not really a zip", "p.docx")


def test_pdf_with_a_text_layer(tmp_path: Path) -> None:
    lines = POLICY.splitlines()[:6]
    doc = read_file(write_pdf(tmp_path / "p.pdf", [ln for ln in lines if ln]))
    assert squash(doc.text) == squash("".join(lines))
    assert doc.gaps == []


def test_pdf_with_a_scanned_page_among_text_pages(tmp_path: Path) -> None:
    doc = read_file(write_pdf(tmp_path / "p.pdf", ["一、总则", "支持企业建设平台。"], scanned_pages=1))
    assert squash(doc.text) == "一、总则支持企业建设平台。"
    assert [(g.where, g.reason) for g in doc.gaps] == [("page 2", "a scanned image with no text layer")]


def test_scanned_pdf_has_no_text_layer(tmp_path: Path) -> None:
    with pytest.raises(NoTextLayer, match=r"no text layer \(2 of 2 page\(s\) are scanned images\): run OCR"):
        read_file(write_pdf(tmp_path / "p.pdf", scanned_pages=2))


def test_empty_pdf(tmp_path: Path) -> None:
    with pytest.raises(EmptyDocument, match=r"the PDF holds no text \(1 page\(s\)\)"):
        read_file(write_pdf(tmp_path / "p.pdf"))


def test_not_a_pdf() -> None:
    with pytest.raises(UnreadableFile, match="not a readable PDF"):
        read_bytes(b"%PDF-1.4 garbage", "p.pdf")


def test_a_50_mb_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:
        f.truncate(50 * 2**20)  # sparse: costs no disk or time
    with pytest.raises(FileTooLarge, match=r"big\.pdf is 50\.0 MB; the limit is 20 MB"):
        read_file(big)
    with pytest.raises(FileTooLarge):
        read_bytes(b"x" * 2048, "p.txt", max_bytes=1024)


def test_unsupported_formats() -> None:
    with pytest.raises(UnsupportedFormat, match=r"'\.doc' \(save it as \.docx\)"):
        read_bytes(b"x", "old.doc")
    with pytest.raises(UnsupportedFormat, match="'.png'"):
        read_bytes(b"x", "scan.png")


def test_empty_text_file() -> None:
    with pytest.raises(EmptyDocument, match="holds no text"):
        read_bytes(b"  \n\n ", "p.txt")


def test_html_main_text_gbk() -> None:
    body = "".join(f"<p>{ln}</p>" for ln in POLICY.splitlines() if ln)
    html = f'<html><head><meta charset="gbk"><title>t</title></head><body><nav>首页</nav><article>{body}</article>'
    html += '<img src="x.png"></body></html>'
    doc = read_bytes(html.encode("gbk"), "p.html")
    assert "（一）对在本区开展临床试验的创新药企业，按研发投入的20%给予补贴，最高500万元。" in doc.text
    assert doc.notes == ["decoded as GB18030 (meta charset)"]
    assert [g.reason for g in doc.gaps] == ["1 image(s) not read"]


def test_html_without_main_text() -> None:
    with pytest.raises(EmptyDocument, match="no main text"):
        read_bytes(b"<html><body><script>var x = 1;</script></body></html>", "p.html")
