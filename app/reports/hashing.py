"""Content hashes that identify a report whatever its whitespace or Unicode form."""

from __future__ import annotations

import hashlib
import unicodedata


def content_hash(body: str) -> str:
    folded = " ".join(unicodedata.normalize("NFC", body).split())
    return hashlib.sha256(folded.encode()).hexdigest()
