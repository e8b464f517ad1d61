"""Split a document into passages of whole sentences; each passage keeps the document's title."""

from __future__ import annotations

import textwrap
from typing import Any

from langchain_text_splitters import TextSplitter

from knowledge.text import sentences

TARGET_CHARS = 700
MAX_CHARS = 1000


def _pieces(text: str) -> list[str]:
    """Sentences, with any sentence longer than MAX_CHARS wrapped at word boundaries."""
    out: list[str] = []
    for sentence in sentences(text):
        if len(sentence) <= MAX_CHARS:
            out.append(sentence)
        else:
            out.extend(textwrap.wrap(sentence, TARGET_CHARS, break_long_words=True))
    return out


def chunk_text(text: str, target: int = TARGET_CHARS) -> list[str]:
    """Pack whole sentences into passages of about `target` characters, overlapping by one sentence."""
    pieces = _pieces(text)
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    fresh = 0  # sentences in `current` not yet in any chunk
    for piece in pieces:
        if fresh and size + len(piece) > target:
            chunks.append(" ".join(current))
            last = current[-1]
            current, size, fresh = ([last], len(last) + 1, 0) if len(last) < target // 3 else ([], 0, 0)
        current.append(piece)
        size += len(piece) + 1
        fresh += 1
    if fresh:
        chunks.append(" ".join(current))
    return chunks


def with_title(title: str, body: str) -> str:
    """The stored and embedded text of a passage: the title line, a blank line, the body."""
    return f"{title}\n\n{body}"


class SentenceSplitter(TextSplitter):
    """`chunk_text` behind LangChain's TextSplitter interface (for use in LangChain pipelines)."""

    def __init__(self, target: int = TARGET_CHARS, **kwargs: Any) -> None:
        super().__init__(chunk_size=MAX_CHARS, chunk_overlap=0, **kwargs)
        self.target = target

    def split_text(self, text: str) -> list[str]:
        """Whole-sentence passages of about `target` characters."""
        return chunk_text(text, self.target)
