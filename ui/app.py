"""The browser chat: a Gradio app over an ``Assistant``, built by ``build_app`` (ui/page.py) and served by
``launch``.

Thin by design, and split by job: the page's layout and events (ui/page.py), a chat turn (ui/chat.py), the
Articles tab (ui/articles.py), the named API endpoints ``/ask``, ``/retrieve``, ``/articles`` and
``/upload_articles`` (ui/api.py), answer slots per backend (ui/slots.py), the answer and sources markup
(ui/render.py, ui/sources.py, which escape everything that came from an article or a model), the backend
probes (ui/probe.py) and uploads (ui/uploads.py). Here: serving it. The server's outer guard (ui/guard.py)
refuses cross-origin and oversized uploads and slows down repeated failed logins.
"""

from __future__ import annotations

import sys

import gradio as gr

from rag.assistant import Assistant
from rag.errors import ConfigError
from rag.settings import Settings

from .guard import Guard
from .page import build_app
from .slots import EXTRACTIVE_SLOTS
from .uploads import MAX_BYTES

__all__ = ["build_app", "launch", "parse_auth"]


def parse_auth(auth: str) -> tuple[str, str] | None:
    """``"user:password"`` as Gradio's auth pair; empty means no login."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ConfigError("auth must look like user:password (setting auth, flag --auth, or RAG_AUTH).")
    return user, password


def launch(assistant: Assistant, settings: Settings, *, prevent_thread_lock: bool = False,
           quiet: bool = False) -> gr.Blocks:
    """Open (or build, on the first start) the index with a progress bar, then serve the chat."""
    from starlette.middleware import Middleware

    auth = parse_auth(settings.auth)
    if not quiet:
        print("Loading the model and the index (the first start builds the index)…", file=sys.stderr, flush=True)
    assistant.warm_up(progress=not quiet)
    if not quiet and not auth and settings.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {settings.host} without a login; set --auth user:password", file=sys.stderr)
    demo = build_app(assistant, settings)
    demo.queue(default_concurrency_limit=EXTRACTIVE_SLOTS)
    try:
        demo.launch(server_name=settings.host, server_port=settings.port, share=settings.share, auth=auth,
                    prevent_thread_lock=prevent_thread_lock, quiet=quiet, show_error=False, ssr_mode=False,
                    mcp_server=False, footer_links=["api"], max_file_size=MAX_BYTES,
                    app_kwargs={"middleware": [Middleware(Guard, max_upload_bytes=MAX_BYTES)]})
    except OSError:
        raise ConfigError(f"Cannot listen on {settings.host}:{settings.port}: the port is taken (another chat?) or the "
                          f"address is not this machine's. Pick another: rag chat --port {settings.port + 1}") from None
    return demo
