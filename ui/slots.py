"""How many answers are generated at once: separate limits for extractive and LLM turns.

A Gradio event's concurrency_id is fixed when the event is declared, but the backend is chosen per question,
so answering events (chat and API) have no Gradio limit and each turn waits for its kind's slot here instead,
asynchronously: a waiting turn holds no worker thread, so any number of waiting LLM turns never delays an
extractive one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import anyio

LLM_SLOTS = 4  # LLM answers generated at once (chat and API together); more wait for a slot
EXTRACTIVE_SLOTS = 4  # extractive answers at once: their own slots, so they never wait behind LLM calls


class Slots:
    """One semaphore per kind of backend, shared by the chat and the API."""

    def __init__(self, llm: int = LLM_SLOTS, extractive: int = EXTRACTIVE_SLOTS) -> None:
        self.sizes = {"llm": llm, "extractive": extractive}
        self._slots: dict[str, asyncio.Semaphore] = {}

    def take(self, backend: str) -> asyncio.Semaphore:
        kind = "extractive" if backend == "extractive" else "llm"
        if kind not in self._slots:  # made on first use, inside the server's event loop
            self._slots[kind] = asyncio.Semaphore(self.sizes[kind])
        return self._slots[kind]

    async def run(self, backend: str, work, *args):
        """``work(*args)`` in a worker thread once a slot is free."""
        async with self.take(backend):
            return await anyio.to_thread.run_sync(work, *args, abandon_on_cancel=True)

    async def stream(self, backend: str, items: Iterator):
        """The items of a blocking iterator, each fetched in a worker thread, while holding a slot."""
        end = object()
        async with self.take(backend):
            # Stop cancels the turn at once; a call already running finishes in its thread, unread
            while (item := await anyio.to_thread.run_sync(next, items, end, abandon_on_cancel=True)) is not end:
                yield item
