"""Which collections answer now, and at which version: a small record kept in Chroma beside them.

Readers poll it (cheap: one metadata read) and reload when it moves, so every chat process, on this machine
or another one sharing a Chroma server, follows the index without a restart. The indexer publishes a new
version only once a run is complete. A rebuild writes a new generation of collections and switches the
record to it at the end; until then readers keep the old one, and a failed rebuild leaves it answering.
"""

from __future__ import annotations

import re

from .errors import RagError

HEAD_SUFFIX = "-head"


class Head:
    def __init__(self, client, base: str) -> None:
        self.client, self.base = client, base

    def read(self) -> tuple[str, int]:
        """(chunk collection name, version); an index that never published one is its base collection, v0."""
        from chromadb.errors import NotFoundError

        try:
            meta = self.client.get_collection(self.base + HEAD_SUFFIX, embedding_function=None).metadata or {}
        except (NotFoundError, ValueError):  # ValueError: older clients
            return self.base, 0
        except Exception as exc:  # noqa: BLE001 - a server gone away, a damaged file
            raise RagError(f"Cannot read which index version is current ({str(exc)[:200]}): check that the Chroma "
                           "server is up, or that the index folder is readable.") from None
        return str(meta.get("rag_current", self.base)), int(meta.get("rag_version", 0))

    def publish(self, name: str, version: int) -> None:
        head = self.client.get_or_create_collection(self.base + HEAD_SUFFIX, embedding_function=None)
        head.modify(metadata={"rag_current": name, "rag_version": version})

    def generation(self, name: str) -> int:
        m = re.fullmatch(re.escape(self.base) + r"-g(\d+)", name)
        return int(m.group(1)) if m else 0

    def next_name(self) -> str:
        """A collection name no generation has used: the highest generation in the server, plus one."""
        highest = max([self.generation(n) for n in self.generations()] + [self.generation(self.read()[0])])
        return f"{self.base}-g{highest + 1}"

    def generations(self) -> list[str]:
        """Chunk collections of this index (the base one and every ``-gN``)."""
        names = [getattr(c, "name", c) for c in self.client.list_collections()]
        return [n for n in names if n == self.base or re.fullmatch(re.escape(self.base) + r"-g\d+", n)]
