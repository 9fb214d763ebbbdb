"""Turn answers into safe markdown for the chat, and the escaping every piece of the page's markup uses.

Article text and model output are untrusted. Everything from them is escaped here (and, with ``h``, in
ui/sources.py), so the page only ever holds markup the UI wrote: no document HTML, no script, no markdown
image or link that could load a remote address. Chat messages are markdown (gr.Chatbot renders it), so they
are escaped for markdown *and* HTML with character references, which markdown treats as plain text; ``h``
escapes plain HTML. Leaves out: the sources panel (ui/sources.py), styling (ui/style.py) and wiring
(ui/page.py).
"""

from __future__ import annotations

import html
import re

from rag.dates import day_label
from rag.profiles import profile
from rag.types import Answer, Citation

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
    words = profile(answer.language)
    if answer.abstained and not answer.citations:
        head = f'<span class="rag-badge rag-abstain">{md_text(words.not_found)}</span>'
        body = md_text(answer.text or words.no_answer)
        return f'<div class="rag-abstained">{head}\n\n{body}</div>'
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

