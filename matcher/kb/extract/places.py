"""Where a measure applies: the most specific known place its sentence (or section title) names under the
issuer, or a new place the text names, with a proposed parent."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...places import PlaceReader
from ..base import KnowledgeBase
from ..models import LEVEL_RANK

NEW = "NEW: "
# Named carriers: a proper name of at least two characters before a park-like suffix.
_NAME = r"[\u4e00-\u9fff（）()]"
_CARRIER = re.compile(
    rf"({_NAME}{{2,14}}?(?:产业园|科技园|科创园|产业基地|生物岛|医药港|健康港|健康城|药谷|创新谷|生物谷|示范区|合作区|先导区|集聚区))(?!区)"
)
# Function words and generic words do not occur inside a place's proper name.
_NOT_IN_NAME = re.compile(
    r"[的等向和及与在对为将把了是各类批个、]|资源|优势|特色|一批|重点|相关|专业|若干|核心|发挥|充分|推进|加强|完善|提高|搭建"
)
_GENERIC = re.compile(
    r"^(?:各类|一批|重点|特色|专业|生物医药|产业|区内|市内|省内|建设|打造|规划|推动|加快|依托|支持|培育)"
)


@dataclass
class PlaceProposal:
    location: str  # an existing location id, or "NEW: 名称"
    confidence: float
    evidence: str  # the words that named it, or why the issuer's location was taken
    parent: str | None = None  # for a new place: the proposed parent id
    sentence: str | None = None  # for a new place: the sentence that names it
    others: list[str] | None = None  # other places of the same level the sentence names (split the measure?)


class PlaceFinder:
    """Reads known places (names and aliases only, not affinity words) and unknown named carriers."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.reader = PlaceReader(kb)
        self._names = {n for loc in kb.locations.values() for n in (loc.name_zh, *loc.aliases)}

    def under(self, loc_id: str, root: str | None) -> bool:
        if root is None or loc_id == root:
            return True
        return root in {a.id for a in self.kb.ancestors(loc_id)} if loc_id in self.kb.locations else False

    def named(self, text: str, root: str | None) -> list[tuple[str, str]]:
        """(location id, words) for the known places `text` names at or under `root`, most specific first."""
        found = [(lid, w) for lid, (weight, w) in self.reader.read(text).items() if weight >= 1.0]
        found = [(lid, w) for lid, w in found if self.under(lid, root)]
        level = {lid: LEVEL_RANK[self.kb.locations[lid].level] for lid, _ in found}
        return sorted(found, key=lambda x: (-level[x[0]], text.find(x[1])))

    def new_places(self, text: str) -> list[str]:
        out = []
        for m in _CARRIER.finditer(text):
            name = m.group(1)
            name = re.sub(r"^.*(?:依托|建设|打造|规划|推动|推进|加快|支持|培育|深化|做好|形成|在)", "", name)
            name = re.sub(r"^[（(][一二三四五六七八九十\d]+[）)]", "", name)
            if (
                len(name) >= 5
                and not _GENERIC.match(name)
                and not _NOT_IN_NAME.search(name)
                and not any(n in name for n in self._names if len(n) >= 4)
            ):
                out.append(name)
        return out

    def propose(self, sentence: str, context: str, issuer: str | None) -> PlaceProposal:
        own = self.named(sentence, issuer)
        if own:
            lid, words = own[0]
            same = [x for x, _ in own[1:] if self.kb.locations[x].level == self.kb.locations[lid].level]
            conf = 0.8 if not same else 0.5
            return PlaceProposal(lid, conf, f"the sentence names {words}", others=same or None)
        new = self.new_places(sentence)
        if new:
            ctx = self.named(context, issuer)
            parent = ctx[0][0] if ctx else issuer
            return PlaceProposal(
                NEW + new[0], 0.3, f"the sentence names {new[0]}, not in the gazetteer", parent, sentence
            )
        ctx = self.named(context, issuer)
        if ctx:
            lid, words = ctx[0]
            return PlaceProposal(lid, 0.6, f"the section title names {words}")
        if issuer is None:
            return PlaceProposal(NEW + "(issuer)", 0.1, "the issuer's place is not in the gazetteer")
        return PlaceProposal(issuer, 0.7, "no place named; the issuer's location")
