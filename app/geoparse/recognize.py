"""Recognition: every gazetteer name in a text, longest first, with exact original offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.geoparse.gazetteer import NameEntry, Snapshot
from app.geoparse.text import Folded

# al-/el- with a hyphen or a space; the assimilated forms (ar-, as-, at-...) only hyphenated,
# since "at", "as", "an" are English words.
_LATIN_ARTICLE = re.compile(r"\b(?:[Aa]l|[Ee]l)[-\s]|\b(?:[Aa][rsdtzn]|[Aa]sh)-")


@dataclass(frozen=True)
class Match:
    start: int  # offsets into the original text, clitic excluded
    end: int
    text: str
    entries: tuple[NameEntry, ...]
    prefixed: bool
    words: int


def _candidates(snapshot: Snapshot, folded: Folded) -> list[tuple[int, int, list[NameEntry]]]:
    padded = f" {folded.text} "
    found: list[tuple[int, int, list[NameEntry]]] = []
    for end, (key, bucket) in snapshot.automaton.iter(padded):
        # 'end' is the padded index of the closing space; the key starts after a space.
        start = end - len(key)  # padded index of the key's first character
        exact = [e for e in bucket if e.prefix == 0]
        # Strip a clitic only when the whole form is not itself a name (بنش is Binnish).
        chosen = exact or bucket
        found.append((start - 1, start - 1 + len(key), chosen))
    return found


def recognize(snapshot: Snapshot, folded: Folded) -> list[Match]:
    """Non-overlapping matches, preferring the longest name, then an unprefixed one."""
    raw = _candidates(snapshot, folded)
    raw.sort(key=lambda m: (-(m[1] - m[0]), m[2][0].prefix, m[0]))
    # The characters a match already covers, one byte each: an overlap test scans only the
    # candidate's own span, so recognition stays linear in the text (a test against every
    # span taken so far made it quadratic).
    taken = bytearray(len(folded.text) + 1)
    matches: list[Match] = []
    for start, end, bucket in raw:
        if taken.find(1, start, end) >= 0:
            continue
        taken[start:end] = b"\x01" * (end - start)
        if any(e.blocks for e in bucket):
            continue
        prefix = bucket[0].prefix
        entries = tuple(e for e in bucket if e.prefix == prefix)
        a, b = folded.span(start + prefix, end)
        article = _LATIN_ARTICLE.search(folded.source, max(0, a - 5), a)
        if article and article.end() == a:
            a = article.start()  # "al-Tanf crossing" matched as "tanf crossing"
        matches.append(
            Match(
                a,
                b,
                folded.source[a:b],
                entries,
                prefix > 0,
                folded.text[start + prefix : end].count(" ") + 1,
            )
        )
    matches.sort(key=lambda m: m.start)
    return matches
