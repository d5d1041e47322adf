"""Spellings of one Arabic name in Latin script, reduced to what they share.

Agencies and gazetteers romanise Arabic names by different systems: BGN/PCGN ("Dayr az
Zawr"), ALA-LC ("Ma'arrat al-Nu'man"), French ("Deir ez-Zor", "Jisr ech-Choghour"), and
journalistic habit ("Raqa", "Deraa", "Kamishli"). They differ in vowels (which Arabic does
not write), in doubled consonants (shadda, which it rarely writes), in digraphs for one
letter (sh/ch, kh, gh, th, dh), in q/k, in the article (al-, el-, ar-, ez-, ...), and in
the final taa marbuta (-a, -ah, -eh). What they keep in common is the consonant skeleton
of the Arabic word: the letters each system writes for the consonants, with the long vowels
(alif, waw, ya) and hamza/ayn dropped.

``latin_skeleton`` and ``arabic_skeleton`` compute that skeleton from either script, so a
spelling in a report can be compared with every name of a place, including its Arabic one,
without listing spellings by hand. A skeleton loses vowels, so it over-matches ("Hamas"
and "Homs" share one); ``mild_key`` keeps the vowels with only the usual equivalences (e/a,
o/u, y/i, w/u), and a match must also be close on it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from app.text.normalize import normalize as fold_arabic

_APOSTROPHES = str.maketrans("", "", "'’‘`ʿʾ´")
# The Arabic article as romanisations write it, assimilated or not.
ARTICLES = frozenset(
    (
        "al",
        "el",
        "ar",
        "er",
        "as",
        "es",
        "ad",
        "ed",
        "at",
        "et",
        "az",
        "ez",
        "an",
        "en",
        "ash",
        "esh",
        "ech",
        "ath",
        "eth",
        "adh",
        "edh",
        "ul",
    )
)
# The assimilated article written into the next word: "Deir Ezzor", "Tell Abu Ennour".
_GLUED_ARTICLE = re.compile(r"^[ae]([dtrzsnl])\1(?=..)")
_DOUBLES = re.compile(r"(.)\1+")
_DIGRAPHS = (
    ("tch", "S"),
    ("sh", "S"),
    ("ch", "S"),
    ("kh", "x"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("dj", "j"),
    ("ph", "f"),
    ("ck", "k"),
    ("q", "k"),
    ("c", "k"),
)
_VOWELS = frozenset("aeiou")
_MILD = str.maketrans("eoyw", "auiu")

# Arabic letters (after app.text.normalize: hamza carriers are alif/waw/ya, taa marbuta
# is ه) to the consonant every romanisation writes for them; long vowels, hamza and ayn
# write no consonant.
_ARABIC = {
    "ب": "b",
    "ت": "t",
    "ث": "t",
    "ج": "j",
    "ح": "h",
    "خ": "x",
    "د": "d",
    "ذ": "d",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "S",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "غ": "g",
    "ف": "f",
    "ق": "k",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
}
_SEMIVOWELS = {"و": "w", "ي": "y"}


def _latin_tokens(name: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.split(r"[^a-z0-9]+", plain.lower().translate(_APOSTROPHES))
    words = [w for w in words if w]
    kept: list[str] = []
    for i, word in enumerate(words):
        if word in ARTICLES and i < len(words) - 1:
            continue
        if i > 0 and words[i - 1] not in ARTICLES:
            word = _GLUED_ARTICLE.sub(r"\1", word)
        kept.append(word)
    return kept


def _consonantal(word: str) -> str:
    """A Latin word with doubled letters single, digraphs one symbol, final -h dropped."""
    word = _DOUBLES.sub(r"\1", word)
    for digraph, letter in _DIGRAPHS:
        word = word.replace(digraph, letter)
    if len(word) > 2 and word[-1] == "h" and word[-2] in _VOWELS:
        word = word[:-1]  # taa marbuta: Hasakeh, Raqqah, Salamiyah
    return _DOUBLES.sub(r"\1", word)


@lru_cache(maxsize=1 << 14)
def latin_skeleton(name: str) -> str:
    """The consonants of a romanised name: "Dayr az Zawr" -> "drzr" (word breaks vary
    between systems too: Abu Kamal, البوكمال)."""
    out = []
    for word in _latin_tokens(name):
        word = _consonantal(word)
        head, rest = word[:1], word[1:]
        if head in _VOWELS:
            head = ""
        out.append(head + "".join(c for c in rest if c not in _VOWELS and c not in "yw"))
    return "".join(out)


@lru_cache(maxsize=1 << 14)
def mild_key(name: str) -> str:
    """A romanised name with only the usual vowel equivalences: "Sweida" = "Suwayda"."""
    words = [_DOUBLES.sub(r"\1", _consonantal(w).translate(_MILD)) for w in _latin_tokens(name)]
    return " ".join(words)


@lru_cache(maxsize=1 << 14)
def arabic_skeleton(name: str) -> str:
    """The consonants of an Arabic name as romanisations write them: دير الزور -> "drzr".

    The article is dropped; a taa marbuta is silent at the end of the name and "t" before
    another word (معرة النعمان is Maarat al-Numan)."""
    words = fold_arabic(name).split()
    out = []
    for i, word in enumerate(words):
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]
        last = i == len(words) - 1
        letters = []
        for j, ch in enumerate(word):
            if ch == "ه" and j == len(word) - 1:
                letters.append("" if last else "t")
            elif ch in _SEMIVOWELS:
                letters.append(_SEMIVOWELS[ch] if j == 0 else "")
            else:
                letters.append(_ARABIC.get(ch, ch if ch.isdigit() else ""))
        out.append("".join(letters))
    return "".join(out)


def is_arabic(name: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in name)


def skeleton(name: str) -> str:
    return arabic_skeleton(name) if is_arabic(name) else latin_skeleton(name)
