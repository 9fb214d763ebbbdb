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
    known = {c.marker for c in answer.citations}
    raw = _INDENT.sub("", answer.text)
    parts: list[str] = []
    pos = 0
    for m in MARKER.finditer(raw):
        parts.append(_inline(raw[pos:m.start()]))
        n = int(m.group(1))
        parts.append(marker_link(turn, n) if n in known else _inline(m.group(0)))
        pos = m.end()
    parts.append(_inline(raw[pos:]))
    return "".join(parts)


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


def sources_section(answer: Answer, turn: int, titles: dict[str, str]) -> Section:
    """Cards for the cited passages; without citations (abstained, failed) the passages that were found."""
    if answer.citations:
        cards = [citation_card(c, turn, titles) for c in answer.citations]
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


def citation_card(c: Citation, turn: int, titles: dict[str, str]) -> str:
    """A cited passage with its article, the quoted sentence marked, and any wire copies named."""
    also = ""
    if c.also_in:
        names = ", ".join(f"<em>{h(titles.get(s, s))}</em> ({h(s)})" for s in c.also_in)
        also = f'<p class="rag-wire">Also reported in {names} (wire copy).</p>'
    return (f'<article class="rag-card" id="src-{turn}-{c.marker}" data-turn="{turn}" data-cite="{c.marker}">'
            f'<header><a class="rag-marker" href="#src-{turn}-{c.marker}" data-turn="{turn}" '
            f'data-cite="{c.marker}">[{c.marker}]</a> <span class="rag-title">{h(c.title)}</span></header>'
            f'<p class="rag-meta">{h(c.date or "undated")} · {h(c.source)}</p>'
            f'<p class="rag-passage">{highlight(c.passage, c.quote)}</p>{also}</article>')


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
        "citations": [
            {"marker": c.marker, "source": c.source, "title": c.title, "date": c.date, "quote": c.quote,
             "start": c.start, "end": c.end, "passage": c.passage, "chunk_id": c.chunk_id,
             "also_in": list(c.also_in)} for c in answer.citations
        ],
        "timings": answer.timings,
    }
