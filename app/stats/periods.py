"""Calendar periods of a time series, as PostgreSQL's ``date_trunc`` cuts them: days, ISO weeks
(from Monday), calendar months and years, each named by its first day."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class Interval(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    year = "year"


def truncate(interval: Interval, day: date) -> date:
    """The first day of the period that holds ``day``."""
    if interval is Interval.week:
        return day - timedelta(days=day.weekday())
    if interval is Interval.month:
        return day.replace(day=1)
    if interval is Interval.year:
        return day.replace(month=1, day=1)
    return day


def count_periods(interval: Interval, first: date, last: date) -> int:
    """How many periods run from the one holding ``first`` to the one holding ``last``."""
    start, end = truncate(interval, first), truncate(interval, last)
    if interval is Interval.day:
        return (end - start).days + 1
    if interval is Interval.week:
        return (end - start).days // 7 + 1
    if interval is Interval.month:
        return (end.year - start.year) * 12 + end.month - start.month + 1
    return end.year - start.year + 1


def month_after(day: date) -> date:
    """The first day of the month after the one holding ``day``."""
    return (day.replace(day=1) + timedelta(days=31)).replace(day=1)
