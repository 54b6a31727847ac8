"""Text handling shared by the channels: language, normalisation and Chinese-aware tokens."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

Lang = Literal["zh", "en"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:[-+/.][a-z0-9]+)*")
_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([A-Za-z0-9][A-Za-z0-9\-+/.]*)")


# The readers and the lexical channel each normalise a description: cached, it is done once per text (a chunk of a
# list holds 256 descriptions and as many expanded queries).
NORMALIZED = 1024


@lru_cache(maxsize=NORMALIZED)
def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII), collapsed whitespace."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@lru_cache(maxsize=NORMALIZED)  # asked of each description when it is read and again for the lexical channel
def detect_lang(text: str) -> Lang:
    """Chinese when Chinese characters outweigh Latin words (a word counted as two characters) 3:7 or more."""
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text.lower()))
    return "zh" if cjk > 0 and cjk >= 0.3 * (cjk + 2 * words) else "en"


_SEP = re.compile(r"[-+/.]")
# The only characters outside ASCII whose lower case holds an ASCII letter (İ, the Kelvin sign): a Latin run ends
# before them, a word found in the lower-cased text would run through them.
_LOWER_TO_ASCII = ("\u0130", "\u212a")


def _with_parts(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        out.append(w)
        if _SEP.search(w) is not None:
            out.extend(p for p in _SEP.split(w) if p)
    return out


def latin_words(text: str) -> list[str]:
    """Lower-cased Latin words; hyphenated terms are kept whole and also split (PET-MRI → pet-mri, pet, mri)."""
    return _with_parts(_LATIN_WORD.findall(text.lower()))


_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def is_cjk(text: str) -> bool:
    """Every character is Chinese (a gram of a Chinese run)."""
    return _CJK_RUN.fullmatch(text) is not None


def cjk_runs(text: str) -> list[str]:
    """The runs of Chinese characters, in order."""
    return _CJK_RUN.findall(text)


def latin_grams(text: str) -> list[str]:
    """The Latin part of `char_ngrams` of an already normalised text: the words of each Latin run, and word
    bigrams."""
    words = _LATIN_WORD.findall(text.lower())
    if any(c in text for c in _LOWER_TO_ASCII):
        grams = [g for _cjk, latin in _RUNS.findall(text) if latin for g in latin_words(latin)]
    else:  # the words of the runs are those of the whole text
        grams = _with_parts(words)
    grams.extend([f"{a} {b}" for a, b in zip(words, words[1:], strict=False)])
    return grams


def char_ngrams(text: str, n_min: int = 1, n_max: int = 3) -> list[str]:
    """Mixed analyzer: character n-grams over Chinese runs, words and word bigrams over Latin runs."""
    text = normalize(text)
    grams = [
        run[i : i + n]
        for run in _CJK_RUN.findall(text)
        for n in range(n_min, n_max + 1)
        for i in range(len(run) - n + 1)
    ]
    return grams + latin_grams(text)


_WORDS: set[str] = set()  # the trade's terms, taught to the segmenter when it first loads


@lru_cache(maxsize=1)
def _jieba() -> object:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for w in sorted(_WORDS):
        jieba.add_word(w, freq=20000)
    return jieba


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter the trade's terms (人工晶体, 配方颗粒 …) so they stay one token. The segmenter loads
    lazily (only the BM25 channel needs it), so ranking does not pay its start-up."""
    new = {w for w in words if _CJK.search(w)} - _WORDS
    _WORDS.update(new)
    if _jieba.cache_info().currsize:
        jb = _jieba()
        for w in sorted(new):
            jb.add_word(w, freq=20000)  # type: ignore[attr-defined]


_STOP = frozenset(
    "的 和 与 及 等 在 为 对 是 了 以 或 其 并 将 由 从 向 中 上 下 "
    "a an the of and or for to in on with by is are we our".split()
)


def tokens(text: str) -> list[str]:
    """Word tokens: jieba over Chinese runs, Latin words otherwise; punctuation and stop words dropped."""
    text = normalize(text)
    out: list[str] = []
    for cjk, latin in _RUNS.findall(text):
        if cjk:
            out.extend(t for t in _jieba().lcut(cjk) if t.strip() and t not in _STOP)  # type: ignore[attr-defined]
        else:
            out.extend(w for w in latin_words(latin) if w not in _STOP)
    return out
