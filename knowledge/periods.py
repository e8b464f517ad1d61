"""Dates and periods in German and English ("im März", "next week", "nächste Woche", "morgen"),
found and resolved by `dateparser`; this module only turns its date and granularity into a range."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dateparser.date import DateDataParser
from dateparser.search import search_dates
from dateutil.relativedelta import relativedelta

from knowledge.events import BERLIN

LANGUAGES = ["de", "en"]
# search_dates may include prepositions around the date; they change its granularity ("on ... in").
_EDGES = re.compile(r"^(?:(?:on|in|im|am|at|for|um)\s+)+|(?:\s+(?:on|in|im|am|at|for|um))+$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """A half-open range of time [start, end) in Europe/Berlin, and the words that named it."""

    start: datetime
    end: datetime
    words: str


def _settings(now: datetime) -> dict[str, Any]:
    return {
        "RELATIVE_BASE": now.astimezone(BERLIN).replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }


def _range(moment: datetime, granularity: str) -> tuple[datetime, datetime]:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "year":
        first = day.replace(month=1, day=1)
        return first, first + relativedelta(years=1)
    if granularity == "month":
        first = day.replace(day=1)
        return first, first + relativedelta(months=1)
    if granularity == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=7)
    return day, day + timedelta(days=1)


def find_period(text: str, now: datetime) -> Period | None:
    """The first date or period named in `text`, as a range in Berlin time; None when there is none."""
    settings = _settings(now)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = search_dates(text, languages=LANGUAGES, settings=settings)
    for words, moment in found or []:
        if words.strip().isdigit():
            continue  # a bare number ("2 events") is no date
        core = _EDGES.sub("", words.strip()) or words  # "on in March in" -> "March"
        data = DateDataParser(languages=LANGUAGES, settings=settings).get_date_data(core)
        granularity = data.period or "day"
        start, end = _range(data.date_obj or moment, granularity)
        return Period(start.replace(tzinfo=BERLIN), end.replace(tzinfo=BERLIN), words.strip())
    return None


def _parse(value: str, now: datetime) -> tuple[datetime, str, bool]:
    """dateparser's reading of `value`: the time, its granularity, and whether a time of day was given
    (two readings from bases at different times of day agree only when the text names the time)."""
    readings = []
    for base in (now.replace(hour=3, minute=17), now.replace(hour=5, minute=41)):
        settings = _settings(base) | {"PREFER_DATES_FROM": "current_period", "DATE_ORDER": "DMY"}
        readings.append(DateDataParser(languages=LANGUAGES, settings=settings).get_date_data(value.strip()))
    first, second = readings
    if first.date_obj is None or second.date_obj is None:
        raise ValueError(f"not a date: {value!r}")
    moment = first.date_obj
    timed = moment == second.date_obj and (moment.hour, moment.minute) != (0, 0)
    return moment if moment.tzinfo else moment.replace(tzinfo=BERLIN), first.period or "day", timed


def parse_date(value: str, now: datetime, *, end_of_period: bool = False) -> datetime:
    """A date the user typed ("2027-03-04", "morgen", "4. März 18:00", "next week"), aware.

    Raises ValueError when it is none. With `end_of_period`, a day or period without a time means its end."""
    moment, granularity, timed = _parse(value, now)
    if timed:
        return moment
    start, end = _range(moment.astimezone(BERLIN).replace(tzinfo=None), granularity)
    return (end if end_of_period else start).replace(tzinfo=BERLIN)


def parse_when(value: str, now: datetime) -> datetime:
    """A date and time for a new event ("4.3.2027 18:00", "morgen 18 Uhr"); ValueError without a time."""
    moment, _granularity, timed = _parse(value, now)
    if not timed:
        raise ValueError(f"no time of day in {value!r}")
    return moment
