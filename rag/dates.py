"""Publication dates written at the head of an article, in the common forms of every profile's language.

Read: ISO (``2023-09-13``, with a time or not), ``13. September 2023``, ``13 de septiembre de 2023``,
``Sept. 13, 2023``, ``13/09/2023`` (day first), a month and year (``September 2023``), a ten-digit Unix
timestamp, each alone on its line or after a label (``date``, ``Datum:``, ``Published``). It leaves out
dates inside the text: those are what the article talks about, not when it was written.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache

from .profiles import PROFILES


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
