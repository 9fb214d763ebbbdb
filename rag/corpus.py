"""Load article files and strip what is not article text, keeping exact offsets into each file.

Removed: a leading ``date YYYY-MM`` marker and a leading Unix-timestamp headline (both read as the date),
feed tags (``ttn-de-23``), comment prompts, photo-credit captions (``... Bild AFP``) and lines that repeat
an earlier line. Left alone: section headings and author boxes, which are real text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .errors import CorpusError
from .profiles import detect
from .types import Article

EXTENSIONS = (".txt", ".md")
_DATE_MARK = re.compile(r"^\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\s+")
_STAMP_LINE = re.compile(r"^\s*(1[0-9]{9})\s+\S")
_FEED_TAG = re.compile(r"^[a-z]{2,5}(?:-[a-z0-9]{1,5}){1,3}$")
_CAPTION = re.compile(r"\bBild\s+[A-Z][A-Za-z]*(?:\s*/\s*[A-Z][A-Za-z]*)*\s*$")
_BOILERPLATE = re.compile(
    r"^(schreibe(n sie)? einen kommentar|kommentar schreiben|kommentare?|leave a (comment|reply)|"
    r"teilen|share( this)?|mehr zum thema|anzeige|werbung)\W*$",
    re.IGNORECASE,
)


@dataclass
class CorpusResult:
    articles: list[Article]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)


def load_corpus(*paths: str | Path) -> CorpusResult:
    """Articles from the given files or folders; files that cannot be used are listed in ``skipped``."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in EXTENSIONS)
        elif p.is_file():
            files.append(p)
        else:
            raise CorpusError(f"No article folder or file at {p}: create it or point corpus_dir (RAG_CORPUS_DIR) at your articles.")
    result = CorpusResult([])
    for f in files:
        try:
            raw = f.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            result.skipped.append((str(f), "not UTF-8 text"))
            continue
        except OSError as exc:
            result.skipped.append((str(f), f"unreadable ({exc.strerror or exc})"))
            continue
        article = clean(raw, source=f.name, path=str(f))
        if article is None:
            result.skipped.append((str(f), "empty"))
        else:
            result.articles.append(article)
    return result


def clean(raw: str, source: str, path: str = "") -> Article | None:
    """The article in ``raw`` with junk lines dropped, or None when nothing is left."""
    date: str | None = None
    kept: list[tuple[int, int]] = []  # file spans of kept lines
    seen: set[str] = set()
    pos = 0
    for line in raw.splitlines(keepends=True):
        start, end = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        body = raw[start:end]
        key = " ".join(body.replace("\ufeff", "").split()).casefold()
        if not key:
            continue
        if len(kept) <= 1 and date is None:  # a date marker opens the file or follows the headline
            if not kept and (m := _DATE_MARK.match(body)):
                date = m.group(1)
                start += m.end()
                body = raw[start:end]
            elif m := _STAMP_LINE.match(body):
                date = datetime.fromtimestamp(int(m.group(1)), tz=timezone.utc).strftime("%Y-%m-%d")
                continue  # the stamped line repeats the headline in ASCII
        if key in seen or _FEED_TAG.match(body.strip()) or _BOILERPLATE.match(body.strip()) or _CAPTION.search(body):
            continue
        seen.add(key)
        lead = len(body) - len(body.lstrip("\ufeff \t\u00a0"))  # a BOM stays in the file's offsets
        kept.append((start + lead, end - (len(body) - len(body.rstrip()))))
    if not kept:
        return None
    parts, segments, offset = [], [], 0
    for s, e in kept:
        segments.append((offset, s, e - s))
        parts.append(raw[s:e])
        offset += e - s + 2
    text = "\n\n".join(parts)
    return Article(
        source=source,
        path=path,
        title=_title(parts),
        date=date,
        text=text,
        segments=tuple(segments),
        content_hash=hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16],
        language=detect(text),
    )


def _title(lines: list[str]) -> str:
    """A headline when the article opens with one (no final stop), else its first real sentence."""
    first = lines[0]
    if len(first) <= 140 and not first.rstrip().endswith((".", "!", "?", '"', "“")):
        return first.strip()
    sentences = re.split(r"(?<=[.!?])\s+", first)
    title = next((s for s in sentences if len(s.split()) >= 4), first)
    return title if len(title) <= 100 else title[:97].rsplit(" ", 1)[0] + "…"
