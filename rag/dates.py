"""Publication dates written at the head of an article, in the common forms of every profile's language.

Read: ISO (``2023-09-13``, with a time or not), ``13. September 2023``, ``13 de septiembre de 2023``,
``Sept. 13, 2023``, ``13/09/2023`` (day first), a month and year (``September 2023``), a ten-digit Unix
timestamp, each alone on its line or after a label (``date``, ``Datum:``, ``Published``). It leaves out
dates inside the text: those are what the article talks about, not when it was written.

``weekdays`` places the weekdays a sentence names ("am Mittwoch") by the article's date: news calls the
last six days by their weekday, so "Wednesday" in an article of Thursday 14 September 2023 is the 13th.
It leaves out future references ("next Friday") and articles dated only by month.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from .profiles import PROFILES, profile


@lru_cache(maxsize=1)
def _months() -> dict[str, int]:
    """Month names and their abbreviations (three letters or more) -> month number, over all profiles."""
    out: dict[str, int] = {}
    for p in PROFILES.values():
        for n, name in enumerate(p.months, 1):
            for k in range(3, len(name) + 1):
                out.setdefault(name[:k], n)
    return out


_MONTH = r"([^\W\d_]{3,})\.?"
_FORMS = [  # (pattern, order of the groups: y m d)
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2})?\S*)?"), "ymd"),
    (re.compile(rf"(\d{{1,2}})\.?\s+(?:[^\W\d_]{{1,3}}\s+)?{_MONTH}\s+(?:[^\W\d_]{{1,3}}\s+)?(\d{{4}})"), "dmy"),
    (re.compile(rf"{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})"), "mdy"),
    (re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})"), "dmy"),
    (re.compile(r"(\d{4})-(\d{1,2})"), "ym"),
    (re.compile(rf"{_MONTH}\s+(\d{{4}})"), "my"),
]
_STAMP = re.compile(r"^\s*(1\d{9})\b")


@lru_cache(maxsize=1)
def _label_and_time() -> tuple[re.Pattern, re.Pattern]:
    """A date line's label ("Datum:") and what may follow the date (a clock time), from every profile."""
    labels = "|".join(sorted({re.escape(w) for p in PROFILES.values() for w in p.date_labels}))
    times = "|".join(sorted({re.escape(w) for p in PROFILES.values() for w in p.time_words}))
    return (re.compile(rf"^\s*(?:(?:{labels})\b\s*:?\s*(?:[^\W\d_]{{1,3}}\s+)?)?", re.I),
            re.compile(rf"[\s,.|–-]|\d{{1,2}}(?:[:.h]\d{{2}})*|\b(?:{times}|utc|gmt|cet|cest)\b", re.I))


def leading_date(line: str) -> tuple[str, int, bool] | None:
    """(ISO date, where the date ends in ``line``, whether it is marked as one) for a date that opens the line.
    A date is marked by a label or a timestamp; an unmarked one counts only when nothing but a time follows."""
    if m := _STAMP.match(line):
        return datetime.fromtimestamp(int(m.group(1)), tz=timezone.utc).strftime("%Y-%m-%d"), m.end(), True
    label_, time_ = _label_and_time()
    label = label_.match(line)
    for pattern, order in _FORMS:
        m = pattern.match(line, label.end())
        if m and (iso := _iso(dict(zip(order, m.groups())))):
            only_time = not time_.sub("", line[m.end():])
            return iso, len(line) if only_time else m.end(), only_time or label.end() > 0
    return None


def _iso(parts: dict[str, str]) -> str | None:
    month = parts["m"]
    m = int(month) if month.isdigit() else _months().get(month.lower())
    y, d = int(parts["y"]), int(parts["d"]) if "d" in parts else None
    if not m or not 1 <= m <= 12 or not 1900 <= y <= 2100 or (d is not None and not 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}" + (f"-{d:02d}" if d else "")


def weekdays(sentence: str, article_date: str | None, language: str) -> tuple[tuple[str, str], ...]:
    """(word as written, ISO date) for each weekday the sentence names, placed on or before the article's
    date (within its week); nothing when the date is not a full day or the language has no weekday names."""
    names = profile(language).weekdays
    if not names or not article_date or len(article_date) != 10:
        return ()
    try:
        day = date.fromisoformat(article_date)
    except ValueError:
        return ()
    out: dict[str, str] = {}
    for m in re.finditer(r"\w+", sentence):
        word = m.group(0)
        if word.casefold() in names and word not in out:
            back = (day.weekday() - names.index(word.casefold())) % 7
            out[word] = (day - timedelta(days=back)).isoformat()
    return tuple(out.items())


def day_label(iso: str, language: str = "en") -> str:
    """A day with its weekday, e.g. "Wed 13 Sep 2023", in the profile's names (English without a profile)."""
    p = profile(language) if profile(language).weekdays and profile(language).months else profile("en")
    d = date.fromisoformat(iso)
    return f"{p.weekdays[d.weekday()][:3].title()} {d.day} {p.months[d.month - 1][:3].title()} {d.year}"
