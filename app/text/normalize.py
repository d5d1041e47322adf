"""Search normalisation for Arabic and English text.

Mirrors the SQL function ``se_normalize`` (see the initial migration) so that Python and
PostgreSQL fold text the same way; a test keeps them in step.
"""

from __future__ import annotations

import re

# Harakat (fathatan..sukun, maddah, hamza above/below), superscript alef, tatweel.
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_FOLD = str.maketrans(
    {
        "\u0623": "\u0627",  # أ -> ا
        "\u0625": "\u0627",  # إ -> ا
        "\u0622": "\u0627",  # آ -> ا
        "\u0671": "\u0627",  # ٱ -> ا
        "\u0624": "\u0648",  # ؤ -> و
        "\u0626": "\u064a",  # ئ -> ي
        "\u0649": "\u064a",  # ى -> ي
        "\u0629": "\u0647",  # ة -> ه
        "\u06cc": "\u064a",  # Persian yeh -> ي
        "\u06a9": "\u0643",  # Persian keheh -> ك
    }
)


_LATIN = str.maketrans(
    "āáàâäīíìîïūúùûüēéèêëōóòôöḥṣṭḍẓġšçşğıḩţẕ-",
    "aaaaaiiiiiuuuuueeeeeooooohstdzgscsgihtz ",
    "'’‘`ʿʾ",
)


def normalize(text: str) -> str:
    """Fold hamza forms, taa marbuta, alef maqsura; drop diacritics and tatweel; lower-case;
    fold transliteration diacritics, hyphens to spaces, drop apostrophes and ayn marks."""
    return _MARKS.sub("", text).translate(_FOLD).lower().translate(_LATIN)
