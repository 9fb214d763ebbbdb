"""The chat page: its layout, and the events that tie its parts to ui/chat.py and ui/articles.py.

A chat with Ask, Stop, copy and example questions beside a backend menu that offers only the backends that
can answer now (ui/probe.py), a top-k slider, and tabs for the sources and the articles. Answering events
have no Gradio concurrency limit: ui/slots.py limits them by backend. ``build_app`` also declares the API
(ui/api.py) so that a page and its API always come together.
"""

from __future__ import annotations

import gradio as gr

from rag.assistant import Assistant
from rag.settings import Settings
from rag.types import ArticleInfo

from . import articles, chat, render
from .api import MAX_TOP_K, add_api
from .probe import probe_all
from .slots import Slots
from .sources import sources_panel
from .style import CLICK_JS, COPY_JS, HEAD
from .uploads import ALLOWED, MAX_BYTES, Uploads

# the example questions name the sample articles (seeds/): shown only while all of those are indexed
EXAMPLES = (
    "Which bombers did Kim inspect?",
    "Wo traf Kim Jong Un Wladimir Putin?",
    "What did Kim receive as a farewell gift?",
    "Which fighter jets are built in Komsomolsk-on-Amur?",
    "Who won the football World Cup in 2022?",
)
SEEDS = frozenset({"000_c3f8bdba9f1897a0.txt", "001_56473d0c55bd317a.txt", "002_24da121aa26a8f61.txt",
                   "003_55b474f34009ce63.txt", "004_3af81b5f3be5d335.txt"})


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The chat page and API endpoints, not yet served (tests and ``launch`` serve it)."""
    slots = Slots()
    uploads = Uploads(settings.corpus_dir)
    limit = settings.max_question_chars
    # delete_cache: uploads the page did not pick up (or a client left) are deleted within the hour
    with gr.Blocks(title="Ask the articles", analytics_enabled=False, delete_cache=(900, 3600)) as demo:
        turns = gr.State([])  # raw {"role", "content"} history for follow-up questions
        sections = gr.State([])  # one sources.Section per answered turn
        failed = gr.State("")  # the last question an LLM failed to answer, for the quotes answer
        saved = gr.BrowserState(chat.EMPTY_SAVE, storage_key="rag-chat")
        gr.Markdown("# Ask the articles\nAnswers come only from the indexed news articles. Each `[n]` in an "
                    "answer links to the passage it quotes, shown under *Sources* with the sentence highlighted. "
                    "Add your own articles under *Articles*.")
        with gr.Row(equal_height=False, elem_id="rag-main"):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(label="Chat", show_label=False, elem_id="rag-chat", height=520,
                                     sanitize_html=True, render_markdown=True, latex_delimiters=[], buttons=[],
                                     feedback_options=None, allow_file_downloads=False,
                                     placeholder="Ask about the articles in any language.")
                with gr.Row(elem_id="rag-ask-row"):
                    question = gr.Textbox(label="Your question", show_label=False, elem_id="rag-question",
                                          placeholder="Ask a question about the articles…", scale=5, max_lines=6,
                                          autofocus=True)
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="rag-send")
                    stop = gr.Button("Stop", variant="stop", scale=1, min_width=80, elem_id="rag-stop",
                                     visible=False)
                gr.HTML(f'<p id="rag-count" data-limit="{limit}">Up to {limit} characters.</p>'
                        '<p id="rag-live" class="rag-sr-only" role="status" aria-live="polite"></p>',
                        elem_id="rag-count-box", padding=False)
                with gr.Column(visible=False) as examples_box:
                    gr.Markdown("**Examples**")
                    with gr.Row(elem_id="rag-examples"):
                        examples = [gr.Button(q, size="sm", min_width=120) for q in EXAMPLES]
                with gr.Row(elem_id="rag-actions"):
                    clear = gr.Button("New conversation", size="sm", variant="secondary", elem_id="rag-clear")
                    copy = gr.Button("Copy answer with sources", size="sm", variant="secondary", elem_id="rag-copy")
                    quotes = gr.Button("Answer with quotes instead", size="sm", variant="secondary",
                                       elem_id="rag-quotes", visible=False)
            with gr.Column(scale=2, min_width=300):
                with gr.Row():
                    backend = gr.Dropdown(["extractive"], value="extractive", label="Backend",
                                          elem_id="rag-backend", interactive=True)
                    top_k = gr.Slider(1, MAX_TOP_K, value=min(settings.top_k, MAX_TOP_K), step=1,
                                      label="Passages searched (top-k)", elem_id="rag-topk")
                backends_note = gr.HTML("", elem_id="rag-backends", padding=False)
                with gr.Tabs(elem_id="rag-tabs") as tabs:
                    with gr.Tab("Sources", id="sources"):
                        sources = gr.HTML(sources_panel([]) + chat.export_html(""), elem_id="rag-sources",
                                          head=HEAD, js_on_load=CLICK_JS, max_height=720)
                    with gr.Tab("Articles", id="articles", elem_id="rag-articles-tab"):
                        scope = gr.Dropdown([], value=[], multiselect=True, elem_id="rag-scope",
                                            label="Ask only these articles (none chosen: all)")
                        upload = gr.File(label=f"Add articles: {', '.join(ALLOWED)} (saved news pages as .html), "
                                               f"up to {MAX_BYTES // 1_000_000} MB each",
                                         file_count="multiple", file_types=list(ALLOWED), elem_id="rag-upload")
                        upload_status = gr.Markdown("", elem_id="rag-upload-status")
                        with gr.Row():
                            to_remove = gr.Dropdown([], value=None, label="Article to remove",
                                                    elem_id="rag-remove-choice")
                            remove = gr.Button("Remove from the index", variant="secondary",
                                               elem_id="rag-remove")
                        table = gr.HTML("", elem_id="rag-articles", padding=False)

        # answering
        async def turn(message, messages, history, done, name, k, chosen):
            steps = chat.turn(assistant, settings, message, messages, history, done, name, k, chosen)
            async for step in slots.stream(name or settings.backend, steps):
                yield step

        def example(text: str):
            async def run(messages, history, done, name, k, chosen):
                async for step in turn(text, messages, history, done, name, k, chosen):
                    yield step
            return run

        async def quotes_turn(text, messages, history, done, k, chosen):
            async for step in turn(text, messages, history, done, "extractive", k, chosen):
                yield step

        conversation = [chatbot, turns, sections]
        outputs = [question, *conversation, sources, saved, failed, quotes, send, stop, tabs]
        answer_events = dict(api_visibility="private", concurrency_limit=None)  # Slots limits them
        running = [gr.on([question.submit, send.click], turn, [question, *conversation, backend, top_k, scope],
                         outputs, **answer_events)]
        running += [b.click(example(text), [*conversation, backend, top_k, scope], outputs, **answer_events)
                    for b, text in zip(examples, EXAMPLES)]
        running.append(quotes.click(quotes_turn, [failed, *conversation, top_k, scope], outputs, **answer_events))
        stop.click(chat.stopped, [chatbot, sections, turns], [chatbot, saved, send, stop, question, sources],
                   cancels=running, api_visibility="private", queue=False)
        clear.click(chat.cleared, None, outputs, cancels=running, api_visibility="private", queue=False)
        chatbot.clear(chat.cleared, None, outputs, cancels=running, api_visibility="private", queue=False)  # its bin
        copy.click(None, None, None, js=COPY_JS, api_visibility="private")

        # articles
        def listing(chosen=None):
            items = articles.indexed(assistant)
            return *articles.listing(items, uploads, chosen), gr.update(visible=_seeds(items))

        def add(files, chosen, progress=gr.Progress(track_tqdm=True)):
            message = render.md_text(articles.add_articles(assistant, uploads, files, progress))
            return (message, *listing(chosen), None)

        def drop(source, chosen):
            message = render.md_text(articles.remove_article(assistant, uploads, source))
            return (message, *listing([c for c in chosen or [] if c != source]))

        article_outputs = [table, scope, to_remove, examples_box]
        upload.upload(add, [upload, scope], [upload_status, *article_outputs, upload], api_visibility="private",
                      concurrency_id="index", concurrency_limit=1)
        remove.click(drop, [to_remove, scope], [upload_status, *article_outputs], api_visibility="private",
                     concurrency_id="index", concurrency_limit=1)

        def on_load(stored):
            return (*chat.restored(stored), *_backend_menu(settings), *listing())

        demo.load(on_load, [saved], [*conversation, sources, backend, backends_note, *article_outputs],
                  api_visibility="private", show_progress="hidden")

        add_api(assistant, settings, slots, uploads)
    return demo


def _seeds(items: list[ArticleInfo]) -> bool:
    """Whether the sample articles, which the example questions are about, are all indexed."""
    return SEEDS <= {a.source for a in items}


def _backend_menu(settings: Settings) -> tuple:
    """The backend menu (only backends that can answer now) and a note on the others, with the reason."""
    statuses = probe_all(settings)
    ready = [s for s in statuses if s.available]
    value = settings.backend if any(s.name == settings.backend for s in ready) else "extractive"
    choices = [(f"{s.name} · {s.model}"[:60] if s.model else s.name, s.name) for s in ready]
    off = [s for s in statuses if not s.available]
    note = ""
    if off:
        items = "".join(f'<li><span class="rag-off-name">{render.h(s.name)}</span>: {render.h(s.reason)}</li>'
                        for s in off)
        note = f'<details class="rag-backends-off"><summary>Not available now ({len(off)})</summary><ul>{items}</ul></details>'
    if value != settings.backend:
        note = (f'<p class="rag-note">The configured backend {render.h(settings.backend)} cannot answer now; '
                f'answering with quotes.</p>') + note
    return gr.update(choices=choices, value=value), note
