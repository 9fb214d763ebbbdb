"""The Articles tab: the indexed articles as a table and as menus, adding uploaded files, removing articles,
and the scope (the articles a question is limited to).

Shared by the page and the API (``/upload_articles``), so an upload is saved, indexed and reported the same
way from both. Files are saved by ui/uploads.py; only Gradio's own upload folder is ever read from.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from rag.assistant import Assistant
from rag.errors import RagError
from rag.types import ArticleInfo

from . import render
from .uploads import Uploads, UploadError

ARTICLES_SHOWN = 500  # rows in the articles table; the scope menu (searchable) holds them all


def indexed(assistant: Assistant) -> list[ArticleInfo]:
    """The indexed articles; none when the index cannot be read (the page says so where it asks)."""
    try:
        return list(assistant.articles())
    except RagError:
        return []


def scope(sources) -> dict:
    """The ``sources=`` keyword when articles were chosen (none chosen: every article)."""
    chosen = [s for s in (sources or []) if isinstance(s, str) and s]
    return {"sources": chosen} if chosen else {}


def listing(items: list[ArticleInfo], uploads: Uploads, chosen: list | None = None) -> tuple:
    """The articles table, the scope menu (keeping the chosen articles still indexed) and the remove menu."""
    items = sorted(items, key=lambda a: (a.title.casefold(), a.source))
    choices = [(_label(a), a.source) for a in items]
    known = {a.source for a in items}
    added = uploads.names()
    rows = "".join(
        f'<tr data-source="{render.h(a.source)}"><td>{render.h(a.title)}'
        f'{" <span class=rag-added>added here</span>" if a.source in added else ""}'
        f'<br><span class="rag-file">{render.h(a.source)}</span></td><td>{render.h(a.outlet or "–")}</td>'
        f'<td>{render.h(a.date or "–")}</td><td>{render.h(a.language or "–")}</td><td>{a.chunks}</td></tr>'
        for a in items[:ARTICLES_SHOWN])
    more = (f'<p class="rag-note">The first {ARTICLES_SHOWN} of {len(items)} are listed; the menus hold all.</p>'
            if len(items) > ARTICLES_SHOWN else "")
    table = (f'<table class="rag-articles"><caption>{len(items)} articles indexed</caption><thead><tr>'
             '<th scope="col">Title</th><th scope="col">Outlet</th><th scope="col">Date</th>'
             f'<th scope="col">Language</th><th scope="col">Chunks</th></tr></thead><tbody>{rows}</tbody></table>{more}')
    kept = [c for c in chosen or [] if c in known]
    return table, gr.update(choices=choices, value=kept), gr.update(choices=choices, value=None)


def _label(a: ArticleInfo) -> str:
    where = ", ".join(x for x in (a.outlet, a.date) if x)
    return f"{a.title} ({where})" if where else a.title


def upload_path(f) -> tuple[str, str]:
    """(temporary path, original name) of an uploaded file; only Gradio's own upload folder is read."""
    path = f.get("path") if isinstance(f, dict) else getattr(f, "path", None)
    name = (f.get("orig_name") if isinstance(f, dict) else getattr(f, "orig_name", None)) or Path(path or "").name
    folder = Path(gr.utils.get_upload_folder()).resolve()
    if not path or not Path(path).resolve().is_relative_to(folder):
        raise UploadError("Files can only be added through this chat's upload endpoint.")
    return str(path), name


def add_articles(assistant: Assistant, uploads: Uploads, files, progress) -> str:
    """Save and index uploaded files; a message saying what was added and what was refused."""
    pairs = [f if isinstance(f, tuple) else upload_path({"path": f} if isinstance(f, str) else f) for f in files or []]
    refused, saved = [], []
    try:
        for temp, name in pairs:
            try:
                saved.append(uploads.save(temp, name))
            except UploadError as exc:
                refused.append(str(exc))
            except OSError as exc:
                refused.append(f"{name}: could not be read ({exc.strerror or exc}).")
    finally:
        for temp, _ in pairs:  # Gradio's temporary copies go as soon as they are read
            _unlink(temp)
    lines = [f"Not added: {r}" for r in refused]
    if saved:
        if progress is not None:
            progress(0, desc=f"Indexing {len(saved)} article(s)…")
        try:
            report = assistant.index(saved, progress=progress is not None)
        except RagError as exc:
            for p in saved:
                uploads.delete(p.name)
            return "\n\n".join([f"Not added: {exc}", *lines])
        bad = {Path(p).name for p, _ in report.skipped}
        for p in saved:
            if p.name in bad:
                uploads.delete(p.name)
        lines += [f"Not added: {Path(p).name}: {why}" for p, why in report.skipped]
        added = [p.name for p in saved if p.name not in bad]
        if added:
            lines.insert(0, f"Added {', '.join(added)}: {report.added} new chunks indexed "
                            f"({report.seconds:.1f} s).")
    return "\n\n".join(lines) or "No file was given."


def remove_article(assistant: Assistant, uploads: Uploads, source: str | None) -> str:
    """Take an article out of the index, and delete its file if it was added through the page."""
    if not source:
        return "Choose an article to remove first."
    try:
        assistant.remove([source])
    except RagError as exc:
        return f"Not removed: {exc}"
    if uploads.delete(source):
        return f"Removed {source} from the index and deleted the file added here."
    return (f"Removed {source} from the index. Its file stays in the corpus folder, so the next `rag index` adds it "
            "back: delete the file to drop it for good.")


def _unlink(path: str) -> None:
    try:
        p = Path(path)
        p.unlink()
        p.parent.rmdir()  # Gradio keeps each upload in a folder of its own
    except OSError:
        pass
