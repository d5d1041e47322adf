"""Dates in report text, resolved against the report's publication date.

Relative expressions (أمس الجمعة، يوم الأحد الماضي، "on Tuesday", "last week") and explicit
dates in both languages (5 أيلول 2017, 5 سبتمبر 2017, 5 September 2017, September 5, 2017).
Precision follows ACLED: 1 day, 2 week, 3 month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.geoparse.text import fold_name

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Monday = 0, as date.weekday()
_WEEKDAYS = {
    **{
        fold_name(w): i
        for i, w in enumerate(
            ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
        )
    },
    "الإثنين": 0,
    "الاتنين": 0,
    **{
        w: i
        for i, w in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}
_MONTHS = {
    **{
        fold_name(m): i + 1
        for i, m in enumerate(
            (
                "كانون الثاني",
                "شباط",
                "آذار",
                "نيسان",
                "أيار",
                "حزيران",
                "تموز",
                "آب",
                "أيلول",
                "تشرين الأول",
                "تشرين الثاني",
                "كانون الأول",
            )
        )
    },
    **{
        fold_name(m): i + 1
        for i, m in enumerate(
            (
                "يناير",
                "فبراير",
                "مارس",
                "أبريل",
                "مايو",
                "يونيو",
                "يوليو",
                "أغسطس",
                "سبتمبر",
                "أكتوبر",
                "نوفمبر",
                "ديسمبر",
            )
        )
    },
    "ابريل": 4,
    "اغسطس": 8,
    "اكتوبر": 10,
    "يونيه": 6,
    "يوليه": 7,
    **{
        m: i + 1
        for i, m in enumerate(
            (
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            )
        )
    },
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    day: date
    precision: int


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_WD = _alternation(list(_WEEKDAYS))
_MO = _alternation(list(_MONTHS))
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("dmy", re.compile(rf"\b(\d{{1,2}})\s+(?:من\s+)?({_MO})\.?\s*(?:,\s*)?(\d{{4}})?\b")),
    ("mdy", re.compile(rf"\b({_MO})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(\d{{4}}))?")),
    # "/" and "-" are spaces in folded text: 2017-09-05, 5/9/2017
    ("numeric", re.compile(r"\b(\d{4}) (\d{1,2}) (\d{1,2})\b")),
    ("numeric_dmy", re.compile(r"\b(\d{1,2}) (\d{1,2}) (\d{4})\b")),
    ("before_yesterday", re.compile(r"(?:اول امس|the day before yesterday)")),
    ("yesterday", re.compile(rf"(?:امس|yesterday)(?:\s+(?:ال)?({_WD}))?")),
    ("today", re.compile(r"\b(?:اليوم|today|this morning|tonight)\b")),
    ("last_week", re.compile(r"(?:الاسبوع الماضي|last week)")),
    ("last_month", re.compile(r"(?:الشهر الماضي|last month)")),
    ("weekday", re.compile(rf"(?:(?:يوم|on|last)\s+)?({_WD})(\s+الماضي|\s+الفائت)?")),
]


def _weekday_before(published: date, weekday: int, strictly: bool) -> date:
    delta = (published.weekday() - weekday) % 7
    if delta == 0 and strictly:
        delta = 7
    return published - timedelta(days=delta)


def _resolve(kind: str, m: re.Match[str], published: date) -> tuple[date, int] | None:
    try:
        if kind == "dmy":
            year = int(m.group(3)) if m.group(3) else published.year
            return date(year, _MONTHS[m.group(2)], int(m.group(1))), 1
        if kind == "mdy":
            year = int(m.group(3)) if m.group(3) else published.year
            return date(year, _MONTHS[m.group(1)], int(m.group(2))), 1
        if kind == "numeric":
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), 1
        if kind == "numeric_dmy":
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1))), 1
    except ValueError:
        return None
    if kind == "before_yesterday":
        return published - timedelta(days=2), 1
    if kind == "yesterday":
        return published - timedelta(days=1), 1
    if kind == "today":
        return published, 1
    if kind == "last_week":
        return published - timedelta(days=7), 2
    if kind == "last_month":
        first = published.replace(day=1)
        return (first - timedelta(days=1)).replace(day=15), 3
    weekday = _WEEKDAYS[m.group(1)]
    strictly = bool(m.group(2)) or m.group(0).startswith("last")
    return _weekday_before(published, weekday, strictly), 1


def find_dates(folded_text: str, published: date) -> list[tuple[int, int, date, int]]:
    """Date expressions as (start, end, day, precision), offsets into ``folded_text``."""
    text = folded_text.translate(_DIGITS)
    taken = bytearray(len(text) + 1)  # characters an earlier expression covers
    found: list[tuple[int, int, date, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if taken.find(1, m.start(), m.end()) >= 0:
                continue
            resolved = _resolve(kind, m, published)
            if resolved is None or resolved[0] > published + timedelta(days=1):
                continue
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            found.append((m.start(), m.end(), *resolved))
    return sorted(found)
