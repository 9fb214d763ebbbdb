"""Load article files and strip what is not article text, keeping exact offsets into each file.

Saved news pages (``.html``, ``.htm``) go through trafilatura, a library made for news pages: it finds the
main text, title, author, site name (the outlet) and date; the page's menus, scripts and footers are left
behind. An HTML article's offsets count in that extracted text (``html_text``), not in the markup.

Removed: a date at the head of the article, read as its date (``dates``: ISO, "13. September 2023", "Sept.
13, 2023", a ``date``/``Datum:`` label, a Unix-timestamp headline), feed tags (``ttn-de-23``), comment prompts, photo-credit captions (``... Bild AFP``) and lines that repeat
an earlier line. Left alone: section headings and author boxes, which are real text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .dates import leading_date
from .errors import CorpusError
from .profiles import PROFILES, detect
from .text import one_spaced
from .types import Article

TEXT_EXTENSIONS = (".txt", ".md")
HTML_EXTENSIONS = (".html", ".htm")
EXTENSIONS = TEXT_EXTENSIONS + HTML_EXTENSIONS
CAPTION_CHARS = 200  # a line this short that ends in a photo credit is a caption
_FEED_TAG = re.compile(r"^[a-z]{2,5}(?:-[a-z0-9]{1,5}){1,3}$")


@lru_cache(maxsize=1)
def _furniture() -> tuple[re.Pattern, re.Pattern]:
    """Photo credits ("Bild AFP", "Photo: Reuters/Getty") and page-furniture lines, from every profile's words:
    an article's own language may not be known before it is cleaned."""
    credits = "|".join(sorted({re.escape(w) for p in PROFILES.values() for w in p.credits}))
    lines = "|".join(sorted({re.escape(w) for p in PROFILES.values() for w in p.boilerplate}))
    caption = re.compile(rf"(?:^|[.!?)]\s*)(?i:{credits})\s*:?\s+[A-Z][\w.&-]*(?:\s*[/,]?\s*[A-Z][\w.&-]*){{0,3}}\s*$")
    return caption, re.compile(rf"^(?:{lines})\W*$", re.I)


@dataclass
class CorpusResult:
    articles: list[Article]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)


def load_corpus(*paths: str | Path) -> CorpusResult:
    """Articles from the given files or folders; files that cannot be used are listed in ``skipped``."""
    result = CorpusResult([])
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if f.suffix.lower() not in EXTENSIONS:
                    continue
                if f.is_file():
                    files.append(f)
                elif f.is_symlink():  # a loop or a dangling link: say so rather than pass over it
                    result.skipped.append((str(f), _bad_link(f)))
        elif p.is_file():
            files.append(p)
        elif p.is_symlink():
            raise CorpusError(f"{p} is {_bad_link(p)}: point it at an article file or folder.")
        else:
            raise CorpusError(f"No article folder or file at {p}: create it or point corpus_dir (RAG_CORPUS_DIR) at your articles.")
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as exc:
            result.skipped.append((str(f), f"unreadable ({exc.strerror or exc})"))
            continue
        if f.suffix.lower() in HTML_EXTENSIONS:
            article, why = from_html(data, source=f.name, path=str(f))
        else:
            try:
                article, why = clean(data.decode("utf-8"), source=f.name, path=str(f)), "empty"
            except UnicodeDecodeError:
                article, why = None, "not UTF-8 text"
        if article is None:
            result.skipped.append((str(f), why))
        else:
            result.articles.append(article)
    return result


def _bad_link(f: Path) -> str:
    try:
        f.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return "a symbolic link loop"
    except OSError as exc:
        if getattr(exc, "errno", None) == 40:  # ELOOP
            return "a symbolic link loop"
        return "a broken symbolic link"
    return "a symbolic link to something that is not a file"


def html_text(data: bytes | str) -> tuple[str, dict[str, str]]:
    """The main text of a saved news page (paragraphs separated by blank lines) and its metadata
    (title, author, outlet, date as ``YYYY-MM-DD``; "" when not found)."""
    try:
        import trafilatura
    except ImportError:
        raise CorpusError("Reading .html articles needs trafilatura: pip install trafilatura lxml_html_clean") from None
    doc = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False, include_tables=True,
                                      include_images=False, include_links=False, favor_precision=True)
    if doc is None:
        return "", {}
    got = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    lines = [one_spaced(line) for line in (got.get("text") or "").splitlines()]
    meta = {"title": got.get("title") or "", "author": got.get("author") or "", "outlet": got.get("sitename") or "",
            "date": got.get("date") or ""}
    return "\n\n".join(line for line in lines if line), {k: one_spaced(str(v)) for k, v in meta.items()}


def from_html(data: bytes, source: str, path: str = "") -> tuple[Article | None, str]:
    """The article in a saved news page, or None and why not."""
    try:
        text, meta = html_text(data)
    except CorpusError:
        raise
    except Exception as exc:  # noqa: BLE001 - a page the parser cannot read is skipped, not fatal
        return None, f"unreadable HTML ({type(exc).__name__})"
    article = clean(text, source=source, path=path) if text else None
    if article is None:
        return None, "no article text found in the HTML"
    return replace(article, title=meta["title"] or article.title, date=meta["date"] or article.date,
                   outlet=meta["outlet"], author=meta["author"],
                   content_hash=hashlib.sha256(data).hexdigest()[:16]), ""


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
        key = one_spaced(body.replace("\ufeff", "")).casefold()
        if not key:
            continue
        if len(kept) <= 2 and date is None and (found := leading_date(body)) and found[2]:
            date, stop = found[0], found[1]  # a date opens the file or follows the headline or a dateline
            if body[:stop].strip().isdigit() or not body[stop:].strip(" \t,.|–-"):
                continue  # a feed export's stamped line (timestamp, headline) is metadata; so is a date line
            start += stop + len(body[stop:]) - len(body[stop:].lstrip())
            body = raw[start:end]
        if key in seen or _FEED_TAG.match(body.strip()) or _furniture()[1].match(body.strip()):
            continue
        if credit := _furniture()[0].search(body):  # a caption goes; a paragraph ending in a credit loses the credit
            if len(body[:credit.start()].strip()) <= CAPTION_CHARS:
                continue
            end = start + len(body[:credit.start() + 1].rstrip())
            body = raw[start:end]
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
