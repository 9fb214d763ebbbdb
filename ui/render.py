"""Turn answers and citations into safe markup for the chat and the sources panel.

Article text and model output are untrusted. Everything from them is escaped here, so the page only ever
holds markup this module wrote: no document HTML, no script, no markdown image or link that could load a
remote address. Chat messages are markdown (gr.Chatbot renders it), so they are escaped for markdown *and*
HTML with character references, which markdown treats as plain text. The sources panel is plain HTML.
Leaves out: styling (ui/style.py) and wiring (ui/app.py).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from rag.dates import day_label
from rag.profiles import profile
from rag.types import Answer, Citation, Passage

MARKER = re.compile(r"\[(\d+)\]")
# HTML, links, images, code, LaTeX delimiters and autolink triggers ("http://") become character references;
# emphasis, lists and headings stay, so model output keeps its shape
_MD = {c: f"&#{ord(c)};" for c in "\\`{}[]()<>!~$:\"'"}
_MD["&"] = "&amp;"
_MD_TABLE = str.maketrans(_MD)
_WWW = re.compile(r"(?i)\b(www)\.")
_INDENT = re.compile(r"(?m)^[ \t]+")  # indented code would show the references verbatim
_SPACE = re.compile(r"\s+")


def md_text(text: str) -> str:
    """Untrusted text as markdown that shows as text: no tags, links, images, code or maths."""
    return _inline(_INDENT.sub("", text))


def _inline(text: str) -> str:
    return _WWW.sub(r"\1&#46;", text.translate(_MD_TABLE))


def h(text: object) -> str:
    """Untrusted text as HTML text or attribute value."""
    return html.escape(str(text), quote=True)


def answer_markdown(answer: Answer, turn: int) -> str:
    """The chat message for a finished answer: escaped text, ``[n]`` markers linked to their source cards."""
    if answer.error:  # a failed backend: its message, then any text it still produced
        said = answer.text.strip()
        return error_markdown(answer.error) + (f"\n\n{md_text(said)}" if said and said != answer.error.strip() else "")
    if answer.abstained and not answer.citations:
        head = '<span class="rag-badge rag-abstain">Not in the articles</span>'
        body = md_text(answer.text or "The articles don't answer this question.")
        return f'<div class="rag-abstained">{head}\n\n{body}</div>'
    words = profile(answer.language)
    head = []
    if answer.weak:
        head.append(f'<span class="rag-badge rag-weak">{md_text(words.weak_match)}</span>')
    if answer.lead and not _opens_with(answer.text, answer.lead):
        head.append(f'<strong class="rag-lead">{md_text(answer.lead)}</strong>')
    if answer.backend == "extractive" and answer.citations:
        body = quotes_markdown(answer, turn)
    else:
        body = claims_markdown(answer, turn)
    return "\n\n".join([*head, body])


def quotes_markdown(answer: Answer, turn: int) -> str:
    """The quotes answer, one quote a paragraph: the sentence it points back to (muted), the quote, its
    marker, and what the reader needs to place it (its language when not the question's; weekdays as dates)."""
    words = profile(answer.language)
    out = []
    for c in answer.citations:
        before = f'<span class="rag-context">{md_text(c.context)}</span> ' if c.context else ""
        notes = quote_notes(c, answer.language)
        note = f' <span class="rag-qnote">({md_text(" · ".join(notes))})</span>' if notes else ""
        out.append(f"{before}{md_text(c.quote)} {marker_link(turn, c.marker)}{note}")
    return "\n\n".join(out)


def quote_notes(c: Citation, language: str) -> list[str]:
    """"quoted from the German article" when the quote's language is not the question's, and each weekday
    the quote names placed by the article's date ("Mittwoch = Wed 13 Sep 2023")."""
    notes = []
    if c.language and language and c.language != language:
        notes.append(profile(language).quoted(c.language))
    notes += [f"{word} = {day_label(iso)}" for word, iso in c.days]
    return notes


_CLAIM = re.compile(r"[^\n]*?(?:(?<!\b\d)(?<!\b\d\d)[.!?…]['\"”»)]*"
                    r"(?:\s*\[\d+\])*(?=\s|$)|\n|$)")
_LIST = re.compile(r"^(\s*(?:[-*+>]|\d{1,3}[.)])\s+)")  # a list item's or a block quote's mark


def claims(text: str) -> list[str]:
    """``text`` cut into claims: sentences (with the markers after them) and lines; joined they give it back."""
    out, pos = [], 0
    for m in _CLAIM.finditer(text):
        if m.end() > pos:
            out.append(text[pos:m.end()])
            pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def claims_markdown(answer: Answer, turn: int) -> str:
    """A written (LLM) answer: markers linked; a sentence without a valid citation muted and marked
    "no source", so an unsupported claim never looks like a cited one."""
    known = {c.marker for c in answer.citations}
    no_source = md_text(profile(answer.language).no_source)
    raw = _INDENT.sub("", answer.text)
    out = []
    for claim in claims(raw):
        linked = _linked(claim, known, turn)
        body = claim.strip()
        cited = any(int(n) in known for n in MARKER.findall(claim))
        if cited or not re.search(r"\w", MARKER.sub("", body)) or body.startswith("#"):  # cited, blank, a heading
            out.append(linked)
            continue
        lead_ws = claim[:len(claim) - len(claim.lstrip())]
        trail_ws = claim[len(claim.rstrip()):]
        bullet = _LIST.match(claim.lstrip())
        prefix = bullet.group(1) if bullet else ""
        inner = _linked(claim.strip()[len(prefix):], known, turn)
        out.append(f'{lead_ws}{prefix}<span class="rag-unsupported">{inner}</span> '
                   f'<span class="rag-nosource">{no_source}</span>{trail_ws}')
    return "".join(out)


def _linked(raw: str, known: set[int], turn: int) -> str:
    parts: list[str] = []
    pos = 0
    for m in MARKER.finditer(raw):
        parts.append(_inline(raw[pos:m.start()]))
        n = int(m.group(1))
        parts.append(marker_link(turn, n) if n in known else _inline(m.group(0)))
        pos = m.end()
    parts.append(_inline(raw[pos:]))
    return "".join(parts)


def _opens_with(text: str, lead: str) -> bool:
    """Whether the answer text already opens with the lead (an LLM's first sentence)."""
    return _SPACE.sub(" ", re.sub(r"\s*\[\d+\]", "", text)).strip().startswith(_SPACE.sub(" ", lead).strip())


def marker_link(turn: int, n: int) -> str:
    """A clickable ``[n]``: the page script scrolls to and highlights card ``src-{turn}-{n}``."""
    return f'<a class="rag-cite" href="#src-{turn}-{n}" data-turn="{turn}" data-cite="{n}">[{n}]</a>'


def streaming_markdown(text: str) -> str:
    """The answer while it streams in: escaped, with a cursor."""
    return md_text(text) + " ▍"


def error_markdown(message: str) -> str:
    """A library error as a chat message, never a traceback."""
    return f'<span class="rag-badge rag-error">Error</span> {md_text(message)}'


def user_markdown(text: str, shown: int = 600) -> str:
    """The user's message, escaped; a very long one is cut for display (the whole text is still asked)."""
    if len(text) > shown:
        return md_text(text[:shown]) + f" … ({len(text)} characters)"
    return md_text(text)


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
    full = full_article(view, cites, answer) if view is not None else passages_view(source, cites, answer)
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


def full_article(view, cites: list[Citation], answer: Answer) -> str:
    """The indexed article in a fold, its cited sentences marked with their markers."""
    sentences = [(a, b, t) for a, b, t in view.sentences]
    return _fold("Full article", sentences, cites)


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


def highlight(passage: str, quote: str) -> str:
    """The passage, escaped, with the quote inside ``<mark>`` (found tolerant of spacing); else appended."""
    span = find_quote(passage, quote)
    if span is None:
        return f'{h(passage)}<br><mark class="rag-quote">{h(quote)}</mark>' if quote else h(passage)
    a, b = span
    return f'{h(passage[:a])}<mark class="rag-quote">{h(passage[a:b])}</mark>{h(passage[b:])}'


def find_quote(passage: str, quote: str) -> tuple[int, int] | None:
    if not quote.strip():
        return None
    i = passage.find(quote)
    if i >= 0:
        return i, i + len(quote)
    pattern = r"\s+".join(map(re.escape, quote.split()))
    m = re.search(pattern, passage)
    return (m.start(), m.end()) if m else None


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


def answer_json(answer: Answer) -> dict:
    """The answer for API callers: text, citations and status, without the retrieved passages."""
    return {
        "question": answer.question,
        "text": answer.text,
        "abstained": answer.abstained,
        "backend": answer.backend,
        "model": answer.model,
        "grounded": answer.grounded,
        "confidence": answer.confidence,
        "error": answer.error,
        "lead": answer.lead,
        "language": answer.language,
        "weak": answer.weak,
        "citations": [
            {"marker": c.marker, "source": c.source, "title": c.title, "date": c.date, "quote": c.quote,
             "start": c.start, "end": c.end, "passage": c.passage, "chunk_id": c.chunk_id,
             "also_in": list(c.also_in), "language": c.language, "context": c.context,
             "days": [list(d) for d in c.days]} for c in answer.citations
        ],
        "timings": answer.timings,
    }
