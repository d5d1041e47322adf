"""API keys: how they look, how they are stored, and what each role may do."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

PREFIX = "se_"


class Role(StrEnum):
    analyst = "analyst"
    editor = "editor"
    admin = "admin"


# Each role may do what the roles before it may: an editor is also an analyst.
RANK = {Role.analyst: 1, Role.editor: 2, Role.admin: 3}


def allows(role: Role, needed: Role) -> bool:
    return RANK[role] >= RANK[needed]


def new_key() -> str:
    """256 random bits, URL-safe, recognisable by its prefix in logs and secret scanners."""
    return PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    # A fast hash is enough: the keys are random, not passwords a dictionary could guess.
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[: len(PREFIX) + 6]
