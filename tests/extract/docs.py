"""Small policy documents written by the tests in each format the extractor reads."""

from __future__ import annotations

import io
from pathlib import Path

POLICY = """广州市黄埔区促进生物医药产业发展若干措施（2026—2028年）

为加快生物医药产业高质量发展，结合本区实际，制定本措施。

一、支持创新药研发
（一）对在本区开展临床试验的创新药企业，按研发投入的20%给予补贴，最高500万元。
（二）支持建设细胞与基因治疗CDMO平台，为企业提供中试生产服务。
（三）对主营业务收入1000~2000万元的科技型中小企业，给予一次性奖励50万元。

二、保障措施
（一）加强组织领导。成立区生物医药产业发展领导小组，统筹推进各项工作。

本措施自2026年1月1日起施行，有效期3年。
"""


def write_docx(path: Path, *, table: bool = True, image: bool = False) -> Path:
    import docx

    d = docx.Document()
    for line in POLICY.splitlines():
        d.add_paragraph(line)
    if table:
        t = d.add_table(rows=2, cols=3)
        for cell, text in zip(t.rows[0].cells, ["单位", "序号", "重点工作内容"], strict=True):
            cell.text = text
        for cell, text in zip(t.rows[1].cells, ["区科技局", "1", "支持建设生物医药公共技术服务平台。"], strict=True):
            cell.text = text
    if image:
        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (40, 20), "white").save(buf, format="PNG")
        buf.seek(0)
        d.add_picture(buf)
    d.save(str(path))
    return path


def write_pdf(path: Path, lines: list[str] | None = None, *, scanned_pages: int = 0) -> Path:
    """A PDF whose text uses a built-in CJK font (no font file needed); scanned pages are images only."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    if lines:
        c.setFont("STSong-Light", 10)
        y = 800
        for line in lines:
            c.drawString(40, y, line)
            y -= 16
        c.showPage()
    for _ in range(scanned_pages):
        buf = io.BytesIO()
        Image.new("L", (400, 560), 200).save(buf, format="PNG")
        buf.seek(0)
        c.drawImage(ImageReader(buf), 20, 20, width=550, height=800)
        c.showPage()
    if not lines and not scanned_pages:
        c.showPage()
    c.save()
    return path
