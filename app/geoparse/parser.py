"""The geoparser: a report's place mentions, resolved, with its focus."""

from __future__ import annotations

from dataclasses import dataclass

from app.geoparse.anaphora import resolve_anaphora
from app.geoparse.fuzzy import build_index, fuzzy_mentions
from app.geoparse.gazetteer import Snapshot
from app.geoparse.recognize import recognize
from app.geoparse.resolve import Focus, Resolved, focus, resolve
from app.geoparse.text import Folded, fold


@dataclass(frozen=True)
class Parsed:
    mentions: list[Resolved]
    focus: Focus
    folded: Folded


def geoparse(snapshot: Snapshot, body: str, title: str | None = None) -> Parsed:
    """Mentions in ``body`` (offsets into it); the title only weighs in on the focus."""
    folded = fold(body)
    mentions = resolve(snapshot, recognize(snapshot, folded), body)
    mentions = mentions + resolve_anaphora(snapshot, folded, mentions)
    mentions += fuzzy_mentions(snapshot, snapshot.derived("fuzzy", build_index), body, mentions)
    mentions.sort(key=lambda r: r.match.start)
    lead = max(200, len(body) // 4)
    weighted = mentions
    if title:
        # Title mentions count as lead mentions of the body for the focus.
        weighted = mentions + resolve(snapshot, recognize(snapshot, fold(title)), title)
    found = focus(weighted, lead_chars=lead) if weighted else Focus(None, None)
    return Parsed(mentions, found, folded)
