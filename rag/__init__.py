"""Cited answers to questions about news articles, in the articles' languages and others."""

from .assistant import Assistant, answer
from .settings import Settings
from .types import Answer, Article, Chunk, Citation, Passage

__all__ = ["Answer", "Article", "Assistant", "Chunk", "Citation", "Passage", "Settings", "answer"]
