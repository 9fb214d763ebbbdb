"""Cited answers to English and German questions about German news articles."""

from .assistant import Assistant, answer
from .settings import Settings
from .types import Answer, Article, Chunk, Citation, Passage

__all__ = ["Answer", "Article", "Assistant", "Chunk", "Citation", "Passage", "Settings", "answer"]
