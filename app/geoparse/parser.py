"""The geoparser: a report's place mentions, resolved, with their roles and its focus."""

from __future__ import annotations

from dataclasses import dataclass

from app.geoparse.anaphora import resolve_anaphora
from app.geoparse.events import names_event
from app.geoparse.fuzzy import build_index, fuzzy_mentions
from app.geoparse.gazetteer import Snapshot
from app.geoparse.recognize import recognize
from app.geoparse.resolve import Focus, Resolved, focus, focus_weight, resolve
from app.geoparse.roles import Roles, assign_roles
from app.geoparse.text import Folded, fold


@dataclass(frozen=True)
class Parsed:
    mentions: list[Resolved]
    roles: Roles  # one role per mention
    weights: list[float]  # each mention's vote for the focus
    focus: Focus
    folded: Folded


def _mentions(snapshot: Snapshot, source: str) -> tuple[list[Resolved], Folded]:
    folded = fold(source)
    mentions = resolve(snapshot, recognize(snapshot, folded), source)
    mentions = mentions + resolve_anaphora(snapshot, folded, mentions)
    mentions += fuzzy_mentions(snapshot, snapshot.derived("fuzzy", build_index), source, mentions)
    mentions.sort(key=lambda r: r.match.start)
    return mentions, folded


def _weights(mentions: list[Resolved], roles: Roles, lead_chars: int) -> list[float]:
    return [
        focus_weight(
            m,
            roles.factor(i),
            lead=m.match.start < lead_chars,
            province=roles.role[i] == "province",
        )
        for i, m in enumerate(mentions)
    ]


def geoparse(snapshot: Snapshot, body: str, title: str | None = None) -> Parsed:
    """Mentions in ``body`` (offsets into it); the title only weighs in on the focus, as
    part of the lead."""
    mentions, folded = _mentions(snapshot, body)
    roles = assign_roles(folded, mentions, names_event)
    weights = _weights(mentions, roles, max(200, len(body) // 4))
    votes, voters = list(weights), list(mentions)
    if title:
        in_title, title_folded = _mentions(snapshot, title)
        title_roles = assign_roles(title_folded, in_title, names_event, body=False)
        voters += in_title
        votes += _weights(in_title, title_roles, len(title) + 1)
    return Parsed(mentions, roles, weights, focus(voters, votes), folded)
