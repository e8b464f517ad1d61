"""The assistant: retrieval plus answer composition, shared by the CLI, the terminal chat and the bot."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable

from knowledge import catalogue
from knowledge.answer import (
    NO_ANSWER,
    Candidate,
    SentenceVectors,
    best_similarity,
    cited_sources,
    evidence_pool,
    extractive_answer,
    hold_back_no_answer,
    llm_messages,
    rank_sentences,
    sources_of,
)
from knowledge.config import Settings
from knowledge.embeddings import make_embeddings
from knowledge.errors import EmbeddingError
from knowledge.evidence import FOCUS_SENTENCES, missing_evidence
from knowledge.index import VectorIndex, chroma_client
from knowledge.models import Answer, Hit, Language, Turn
from knowledge.retrieval import HybridRetriever, Mode, Retrieval
from knowledge.text import detect_language, words

log = logging.getLogger(__name__)

_FOLLOW_UP_WORDS = frozenset(
    [
        "das",
        "dies",
        "diese",
        "dieser",
        "dieses",
        "dort",
        "damals",
        "da",
        "er",
        "sie",
        "es",
        "ihm",
        "ihr",
        "ihn",
        "denen",
        "deren",
        "dessen",
        "dazu",
        "davon",
        "darüber",
        "that",
        "this",
        "these",
        "those",
        "there",
        "then",
        "it",
        "its",
        "they",
        "them",
        "their",
        "he",
        "she",
        "his",
        "her",
    ]
)


def retrieval_query(question: str, history: Sequence[Turn]) -> str:
    """The question, preceded by the previous one when it reads like a follow-up."""
    if not history:
        return question
    tokens = words(question)
    if (
        len(tokens) <= 6
        or (tokens and tokens[0] in {"und", "and", "also", "auch"})
        or (_FOLLOW_UP_WORDS & set(tokens) and len(tokens) <= 10)
    ):
        return f"{history[-1].question} {question}"
    return question


@dataclass(frozen=True)
class Prepared:
    """A question retrieved for: its language, the passages, the ranked sentences, and the Answer
    when no LLM call is needed."""

    language: Language
    retrieval: Retrieval
    ready: Answer | None
    ranked: list[Candidate] | None = None


class Assistant:
    """Answers questions from the indexed documents, with sources."""

    def __init__(self, settings: Settings, retriever: HybridRetriever, llm: Any | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.llm = llm

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        """Open the index and, when configured, the LLM."""
        index = VectorIndex(chroma_client(settings), make_embeddings(settings))
        return cls(settings, HybridRetriever(index), make_llm(settings) if settings.llm_enabled else None)

    @property
    def llm_enabled(self) -> bool:
        """True when answers are written by an LLM."""
        return self.llm is not None

    def search(self, query: str, k: int = 5, mode: Mode = "hybrid") -> list[Hit]:
        """The k best passages."""
        return self.retriever.retrieve(unicodedata.normalize("NFC", query), k=k, mode=mode).hits

    def _retrieve(
        self, question: str, history: Sequence[Turn], language: Language, mode: Mode = "hybrid"
    ) -> Retrieval:
        query = retrieval_query(question, history)
        return self.retriever.retrieve(
            query, k=self.settings.clusterbridge_top_k, mode=mode, language=language
        )

    def _abstain(self, retrieval: Retrieval, language: Language, mode: str = "extractive") -> Answer:
        return Answer(
            answer=catalogue.text(language, "abstain"),
            sources=[],
            abstained=True,
            language=language,
            mode="llm" if mode == "llm" else "extractive",
            hits=retrieval.hits,
        )

    def _ranked(self, question: str, retrieval: Retrieval, language: Language) -> list[Candidate]:
        """The passages' sentences, best quote first (with the local model's similarity to the
        retrieval query, which carries a follow-up's context, when the dense side answered)."""
        if not retrieval.top_similarity:
            return rank_sentences(question, retrieval.hits, language)
        vectors = SentenceVectors(self.retriever.index.embeddings)

        def similarity(_question: str, texts: Sequence[str]) -> Sequence[float | None]:
            return vectors(retrieval.query, texts)

        neighbours = self.retriever.neighbours(retrieval.hits)
        return rank_sentences(question, retrieval.hits, language, similarity, neighbours)

    def _extractive(
        self,
        question: str,
        retrieval: Retrieval,
        language: Language,
        note: str | None = None,
        ranked: Sequence[Candidate] | None = None,
    ) -> Answer:
        if ranked is None:
            ranked = self._ranked(question, retrieval, language)
        text, sources = extractive_answer(question, retrieval.hits, language, ranked=ranked)
        if note:
            text = f"{note}\n\n{text}"
        return Answer(
            answer=text,
            sources=sources,
            abstained=False,
            language=language,
            mode="extractive",
            note=note,
            hits=retrieval.hits,
        )

    def _from_llm(self, text: str, retrieval: Retrieval, language: Language) -> Answer:
        text = text.strip()
        if not text or text.startswith(NO_ANSWER):
            return self._abstain(retrieval, language, mode="llm")
        return Answer(
            answer=text,
            sources=cited_sources(text, sources_of(retrieval.hits)),
            abstained=False,
            language=language,
            mode="llm",
            hits=retrieval.hits,
        )

    def ask(self, question: str, history: Sequence[Turn] = (), language: Language | None = None) -> Answer:
        """Answer synchronously (CLI)."""
        return asyncio.run(self.aask(question, history, language))

    async def _prepare(self, question: str, history: Sequence[Turn], language: Language | None) -> Prepared:
        """Retrieve and rank the quotable sentences; `ready` is set when no LLM call is needed
        (abstention or extractive mode)."""
        question = unicodedata.normalize("NFC", question)  # "ü" typed as "u" plus a combining mark
        language = language or detect_language(question)
        try:
            retrieval = await asyncio.to_thread(self._retrieve, question, history, language)
        except EmbeddingError as exc:
            # The embedding provider is down (with OpenAI embeddings, usually the LLM too): BM25 still works.
            log.warning("embedding failed, answering from BM25 alone: %s", exc)
            retrieval = await asyncio.to_thread(self._retrieve, question, history, language, "bm25")
            if not retrieval.hits:
                return Prepared(language, retrieval, self._abstain(retrieval, language))
            note = catalogue.text(language, "llm_failed")
            return Prepared(language, retrieval, self._extractive(question, retrieval, language, note=note))
        # Evidence that the passages hold the asked fact (knowledge/evidence.py): a close enough best
        # passage, every number the question names, and the asked kind of fact (an amount, a phone
        # number, ...) among the sentences closest to it. It holds in both modes; with an LLM, the
        # model may still answer NO_ANSWER.
        ranked = await asyncio.to_thread(self._ranked, question, retrieval, language)
        nearby = list({c.hit.chunk_id: c.hit for c in ranked if c.hit not in retrieval.hits}.values())
        if not retrieval.confident(best_similarity(ranked)) or missing_evidence(
            question, retrieval.hits, evidence_pool(ranked, FOCUS_SENTENCES), nearby
        ):
            abstained = self._abstain(retrieval, language, "llm" if self.llm else "extractive")
            return Prepared(language, retrieval, abstained, ranked)
        if self.llm is None:
            return Prepared(
                language, retrieval, self._extractive(question, retrieval, language, ranked=ranked), ranked
            )
        return Prepared(language, retrieval, None, ranked)

    def _llm_failed(self, exc: Exception, question: str, prepared: Prepared) -> Answer:
        """The extractive answer with a note, from the sentences already ranked (no second call to
        the embedding provider, which is often down together with the LLM)."""
        if not _is_llm_error(exc):
            raise exc
        log.warning("LLM failed, answering extractively: %s", exc)
        note = catalogue.text(prepared.language, "llm_failed")
        return self._extractive(
            question, prepared.retrieval, prepared.language, note=note, ranked=prepared.ranked
        )

    def _chain(self) -> Runnable[list[BaseMessage], str]:
        """The RAG chain's generation step: grounded messages -> chat model -> text."""
        assert self.llm is not None
        return self.llm | StrOutputParser()

    async def aask(
        self, question: str, history: Sequence[Turn] = (), language: Language | None = None
    ) -> Answer:
        """Answer a question (one LLM request, not streamed), using the conversation for follow-ups."""
        question = unicodedata.normalize("NFC", question)
        prepared = await self._prepare(question, history, language)
        if prepared.ready is not None:
            return prepared.ready
        messages = llm_messages(question, prepared.retrieval.hits, history, prepared.language)
        try:
            text = await self._chain().ainvoke(messages)
        except Exception as exc:  # the SDK already retried timeouts, 429 and 5xx
            return self._llm_failed(exc, question, prepared)
        return self._from_llm(text, prepared.retrieval, prepared.language)

    async def astream(
        self, question: str, history: Sequence[Turn] = (), language: Language | None = None
    ) -> AsyncIterator[str | Answer]:
        """Yield pieces of the answer as the LLM writes them, then the final Answer."""
        question = unicodedata.normalize("NFC", question)
        prepared = await self._prepare(question, history, language)
        if prepared.ready is not None:
            yield prepared.ready
            return
        chain = self._chain()
        messages = llm_messages(question, prepared.retrieval.hits, history, prepared.language)
        collected: list[str] = []

        async def raw() -> AsyncIterator[str]:
            async for piece in chain.astream(messages):
                collected.append(piece)
                yield piece

        try:
            async for piece in hold_back_no_answer(raw()):
                yield piece
        except Exception as exc:  # the SDK already retried timeouts, 429 and 5xx
            yield self._llm_failed(exc, question, prepared)
            return
        yield self._from_llm("".join(collected), prepared.retrieval, prepared.language)


def _is_llm_error(exc: Exception) -> bool:
    import httpx
    import openai

    return isinstance(exc, openai.OpenAIError | httpx.HTTPError | asyncio.TimeoutError)


def make_llm(settings: Settings) -> Any:
    """LangChain's ChatOpenAI for OpenAI or any OpenAI-compatible server."""
    from langchain_openai import ChatOpenAI

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    return ChatOpenAI(
        model=settings.openai_chat_model,
        api_key=key,  # type: ignore[arg-type]
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout,
        max_retries=settings.openai_max_retries,
        temperature=0.1,
    )
