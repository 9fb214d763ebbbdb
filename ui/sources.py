"""The sources panel: for each answered turn, one card per cited article with all its quotes.

A card shows the article's title, outlet and date, each quote with its marker's anchor (the target of the
chat's ``[n]`` links), wire copies that carry the same sentence, and the full article folded with the cited
sentences marked; without citations (abstained, failed) the passages that were searched. Like ui/render.py,
everything from an article is escaped here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.types import Answer, Citation, Passage

from .render import h, quote_notes

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Section:
    """One turn's part of the sources panel."""

    turn: int
    question: str
    body: str


def sources_section(answer: Answer, turn: int, titles: dict | None = None, article=None) -> Section:
    """One card per cited article with all its quotes; without citations (abstained, failed) the passages
    that were found. ``titles`` maps a file to its title or its ``ArticleInfo``; ``article(source)`` gives
    the indexed article (``Assistant.article``) for the full text with the cited sentences highlighted."""
    titles = titles or {}
    if answer.citations:
        groups: dict[str, list[Citation]] = {}
        for c in answer.citations:
            groups.setdefault(c.source, []).append(c)
        cards = [article_card(source, cites, turn, i, answer, titles, article)
                 for i, (source, cites) in enumerate(groups.items(), 1)]
        cited = {c.chunk_id for c in answer.citations}
        others = [passage_card(p, turn, i) for i, p in enumerate(answer.passages, 1) if p.chunk.id not in cited]
        if others:
            cards.append(f'<details class="rag-more"><summary>Other passages searched, not cited ({len(others)})'
                         f'</summary>{"".join(others)}</details>')
        return Section(turn, answer.question, "".join(cards))
    if answer.error:
        note = '<p class="rag-note rag-error-note">The answer failed; these passages were found:</p>'
    elif answer.abstained:
        note = ('<p class="rag-note rag-abstain-note"><strong>The articles don\'t say.</strong> '
                'Closest passages, none of which answers the question:</p>')
    else:
        note = '<p class="rag-note">No passage was cited.</p>'
    cards = [passage_card(p, turn, i) for i, p in enumerate(answer.passages, 1)]
    return Section(turn, answer.question, note + ("".join(cards) or '<p class="rag-note">No passages found.</p>'))


@dataclass(frozen=True)
class _About:
    title: str
    outlet: str
    date: str | None


def _about(source: str, answer: Answer, titles: dict, view) -> _About:
    """What the card says the article is: from the index's article record, else the chunks, else the file."""
    info = getattr(view, "info", None) or (titles.get(source) if not isinstance(titles.get(source), str) else None)
    chunk = next((p.chunk for p in answer.passages if p.chunk.source == source), None)
    cite = next(c for c in answer.citations if c.source == source)
    title = (getattr(info, "title", "") or (titles.get(source) if isinstance(titles.get(source), str) else "")
             or (chunk.title if chunk else "") or cite.title or source)
    outlet = getattr(info, "outlet", "") or (getattr(chunk, "outlet", "") if chunk else "")
    return _About(title, outlet, getattr(info, "date", None) or cite.date or (chunk.date if chunk else None))


def article_card(source: str, cites: list[Citation], turn: int, k: int, answer: Answer, titles: dict,
                 article=None) -> str:
    """An article's card: title, outlet and date; each quote (with its marker, the sentence it points back
    to, its language and placed weekdays); wire copies; the full article, folded, cited sentences marked."""
    view = None
    if article is not None:
        try:
            view = article(source)
        except Exception:  # noqa: BLE001 - removed meanwhile: the card still shows the quotes
            view = None
    about = _about(source, answer, titles, view)
    meta = " · ".join(h(x) for x in (about.outlet, about.date) if x)
    meta = (meta + " · " if meta else "") + f'<span class="rag-file">{h(source)}</span>'
    quotes, seen = [], set()
    for c in cites:
        anchor = f' id="src-{turn}-{c.marker}"' if c.marker not in seen else ""
        seen.add(c.marker)
        quotes.append(quote_block(c, turn, anchor, answer.language, titles))
    full = full_article(view, cites) if view is not None else passages_view(source, cites, answer)
    return (f'<article class="rag-card" id="art-{turn}-{k}" data-source="{h(source)}">'
            f'<header><span class="rag-title">{h(about.title)}</span></header>'
            f'<p class="rag-meta">{meta}</p>{"".join(quotes)}{full}</article>')


def quote_block(c: Citation, turn: int, anchor: str, language: str, titles: dict) -> str:
    """One quote inside its article's card; the first quote of a marker carries the marker's anchor."""
    context = f'<span class="rag-context">{h(c.context)}</span> ' if c.context else ""
    notes = ([h(c.date)] if c.date else []) + [h(n) for n in quote_notes(c, language)]
    also = ""
    if c.also_in:
        names = ", ".join(f"<em>{h(_title(titles, s))}</em> ({h(s)})" for s in c.also_in)
        also = f'<p class="rag-wire">Also reported in {names} (wire copy).</p>'
    return (f'<div class="rag-hl"{anchor} data-turn="{turn}" data-cite="{c.marker}">'
            f'<a class="rag-marker" href="#src-{turn}-{c.marker}" data-turn="{turn}" data-cite="{c.marker}">'
            f'[{c.marker}]</a> <span class="rag-passage">{context}<mark class="rag-quote">{h(c.quote)}</mark></span>'
            + (f'<p class="rag-hl-meta">{" · ".join(notes)}</p>' if notes else "") + f"{also}</div>")


def _title(titles: dict, source: str) -> str:
    t = titles.get(source, source)
    return t if isinstance(t, str) else getattr(t, "title", "") or source


def full_article(view, cites: list[Citation]) -> str:
    """The indexed article in a fold, its cited sentences marked with their markers."""
    return _fold("Full article", list(view.sentences), cites)


def passages_view(source: str, cites: list[Citation], answer: Answer) -> str:
    """Without the indexed article: the retrieved passages of this article, in article order."""
    seen: dict[int, tuple[int, int, str]] = {}
    for p in answer.passages:
        if p.chunk.source == source:
            for (a, b), t in zip(p.chunk.sentences, p.chunk.sentence_texts):
                seen.setdefault(a, (a, b, t))
    if not seen:
        return ""
    return _fold("Passages of this article that were searched", [seen[k] for k in sorted(seen)], cites)


def _fold(label: str, sentences: list[tuple[int, int, str]], cites: list[Citation]) -> str:
    out, last_end = [], None
    for a, b, text in sentences:
        if last_end is not None:
            out.append("\n\n" if a - last_end >= 2 else " ")
        markers = [c.marker for c in cites if c.start < b and a < c.end]
        if markers:
            out.append(f'<mark class="rag-cited" data-cite="{markers[0]}">{h(text)}</mark>'
                       f'<sup class="rag-sup">{"".join(f"[{m}]" for m in dict.fromkeys(markers))}</sup>')
        else:
            out.append(h(text))
        last_end = b
    return (f'<details class="rag-full"><summary>{h(label)}</summary>'
            f'<div class="rag-article">{"".join(out)}</div></details>')


def passage_card(p: Passage, turn: int, i: int) -> str:
    c = p.chunk
    return (f'<article class="rag-card rag-uncited" id="psg-{turn}-{i}">'
            f'<header><span class="rag-title">{h(c.title)}</span></header>'
            f'<p class="rag-meta">{h(c.date or "undated")} · {h(c.source)}</p>'
            f'<p class="rag-passage">{h(c.text)}</p></article>')


def sources_panel(sections: list[Section]) -> str:
    """All turns' sources, newest first and open; older turns fold away but stay reachable from their markers."""
    if not sections:
        return ('<div class="rag-sources rag-empty"><p>Sources appear here: each cited passage with its article, '
                'the quoted sentence highlighted.</p></div>')
    out = []
    for s in reversed(sections):
        is_open = " open" if s is sections[-1] else ""
        out.append(f'<details class="rag-turn" id="turn-{s.turn}"{is_open}><summary>Q{s.turn}: '
                   f'{h(_SPACE.sub(" ", s.question)[:120])}</summary>{s.body}</details>')
    return f'<div class="rag-sources">{"".join(out)}</div>'

