"""Matching form of a text, with a map back to the original character offsets.

Arabic is folded as in ``app.text.normalize`` (hamza forms, taa marbuta, alef maqsura,
harakat, tatweel); Latin loses case and accents; apostrophes inside words vanish (Dar'a =
Dara), everything else that is not a letter or digit becomes one space; the assimilated
Arabic article of transliterations (ash-, ad-, ez-, ...) becomes "al". Offsets into the
folded text map back to the original, so a mention keeps the exact words the report used.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from app.text.normalize import normalize as fold_arabic

_APOSTROPHES = frozenset("'’‘`ʿʾ´")
_DROP = frozenset("\u0640")  # tatweel
# ash-Shughur, ad-Dana, ez-Zor and al-Shughur are one name. In running text only hyphenated
# forms change ("at Raqqa" is English); in gazetteer names every form does.
_ARTICLE = re.compile(r"(?<![^ ])(?:ash|adh|ath|as|ad|at|ar|az|an|es|ed|et|er|ez|en|el)(?= )")


# Per character and pure, so cached: a report repeats few distinct characters, and folding
# them one by one was the largest part of parsing a long report.
@lru_cache(maxsize=1 << 16)
def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) == "Mn" or ch in _DROP


def _is_wordchar(ch: str) -> bool:
    return ch.isalnum()


@dataclass(frozen=True)
class Folded:
    text: str
    origin: list[int]  # origin[i]: the original offset of folded character i
    source: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded ``[start, end)``, with trailing marks kept."""
        a = self.origin[start]
        b = self.origin[end - 1] + 1
        while b < len(self.source) and _is_mark(self.source[b]):
            b += 1
        return a, b


@lru_cache(maxsize=1 << 16)
def fold_char(ch: str) -> str:
    if "\u0600" <= ch <= "\u06ff":
        return fold_arabic(ch)
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=1 << 16)
def _folded_char(ch: str) -> str | None:
    """What a character becomes out of context: nothing (a mark), its folded form (a letter
    or digit), a space (anything else); None for an apostrophe, which depends on its
    neighbours."""
    if _is_mark(ch):
        return ""
    if ch in _APOSTROPHES:
        return None
    return fold_char(ch) if _is_wordchar(ch) else " "


def _fold(source: str) -> Folded:
    out: list[str] = []
    origin: list[int] = []
    n = len(source)
    last = ""
    for i, ch in enumerate(source):
        folded = _folded_char(ch)
        if folded is None:
            prev_word = i > 0 and _is_wordchar(source[i - 1])
            next_word = i + 1 < n and _is_wordchar(source[i + 1])
            possessive = (
                next_word
                and source[i + 1] in "sS"
                and (i + 2 >= n or not _is_wordchar(source[i + 2]))
            )
            if prev_word and next_word and not possessive:
                continue  # Dar'a -> dara
            folded = " "
        for c in folded:
            if c == " " and last == " ":
                continue
            out.append(c)
            origin.append(i)
            last = c
    return Folded("".join(out), origin, source)


def _unify_articles(folded: Folded, *, name: bool) -> Folded:
    text, origin, source = folded.text, folded.origin, folded.source
    out: list[str] = []
    mapped: list[int] = []
    last = 0
    for m in _ARTICLE.finditer(text):
        after = origin[m.end() - 1] + 1
        if not (name or (after < len(source) and source[after] == "-")):
            continue
        out.append(text[last : m.start()])
        mapped += origin[last : m.start()]
        out.append("al")
        mapped += [origin[m.start()], origin[m.end() - 1]]
        last = m.end()
    if not out:
        return folded
    out.append(text[last:])
    mapped += origin[last:]
    return Folded("".join(out), mapped, source)


def fold(source: str) -> Folded:
    return _unify_articles(_fold(source), name=False)


def fold_name(name: str) -> str:
    """A gazetteer name in matching form (no map needed)."""
    return _unify_articles(_fold(name), name=True).text.strip()
