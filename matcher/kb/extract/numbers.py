"""Numbers as Chinese policy text writes them: 5, 1.5, 1 000, 五, 十二, 两, 一百."""

from __future__ import annotations

import re

_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000}
CN_NUMBER = "[零〇一二两三四五六七八九十百千]+"
NUMBER = rf"(?:\d+(?:[.,]\d+)*|{CN_NUMBER})"
_ARABIC = re.compile(r"^\d+(?:[.,]\d+)*$")


def parse_number(s: str) -> float | None:
    """The value of one number written with digits or Chinese numerals below 10,000; None if it is neither."""
    s = s.strip().replace(" ", "")
    if _ARABIC.match(s):
        return float(s.replace(",", ""))
    if not s or any(ch not in _DIGIT and ch not in _UNIT for ch in s):
        return None
    total, current = 0, 0
    for ch in s:
        if ch in _DIGIT:
            current = _DIGIT[ch]
        else:
            total += (current or 1) * _UNIT[ch]
            current = 0
    return float(total + current)
