"""Is the text a Chinese policy document at all? Refuse it with a reason when it is not."""

from __future__ import annotations

import re

from ..sections import squash
from .errors import NotPolicyDocument
from .read import DocumentText

_POLICY_WORDS = (
    "支持", "推动", "建设", "鼓励", "加快", "加强", "完善", "培育", "措施", "方案", "意见", "政策", "实施",
    "产业", "企业", "发展", "给予", "引进", "落实", "通知", "办法", "规定", "计划", "要点",
)  # fmt: skip


def policy_words(text: str) -> list[str]:
    """The usual words of a Chinese policy document that the text contains."""
    return [w for w in _POLICY_WORDS if w in text]


def check_policy(doc: DocumentText, filename: str) -> None:
    """Raise NotPolicyDocument for text that is mostly not Chinese or has few of the usual policy words."""
    text = doc.text
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    visible = len(squash(text)) or 1
    if cjk / visible < 0.3:
        raise NotPolicyDocument(
            f"{filename} is not a Chinese policy document: only {cjk / visible:.0%} of its characters are Chinese"
        )
    words = policy_words(text)
    if len(words) < 6:
        raise NotPolicyDocument(
            f"{filename} does not read as a policy document: it has {len(words)} of the usual policy words "
            f"({'、'.join(words) or 'none'}); a policy document uses words such as 支持、推动、建设、措施、方案"
        )
