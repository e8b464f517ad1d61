"""Retrieval quality: recall@1, recall@5, MRR (overall and per language pair), abstention and the
answering-sentence rate, for the hybrid retriever, dense alone and BM25 alone, on two question sets.

- sample: bench/questions.yaml over sample/docs, the five documents the retriever was tuned on;
- tune / test / fresh / fresh2 ... fresh7: the held-out set bench/heldout/questions.yaml over
  bench/heldout/docs, in nine parts. `tune`, `test`, `fresh`, `fresh2`, `fresh4`, `fresh5` and `fresh6`
  have been looked at (`dev` is these seven; the fresh parts each after one report run); `fresh3`'s
  failures were never looked at and nothing was tuned on it; `fresh7` was written last, to be run once
  for the report (see bench/heldout/README.md).

Ranks are positions among the 5 passages handed to the answer stage; a document counts at the position of
its best passage. A question that needs two documents counts for recall@5 only when both are among the 5
passages, for recall@1 when the first passage is one of them, and for MRR by the first of them.

Run: `python bench/retrieval.py [--set sample|tune|test|dev|fresh|fresh2|fresh3|fresh4|fresh5|fresh6|fresh7|all] [--json]`. Each set's index is built once in
bench/out/ and rebuilt (vectors stay cached) when the ingestion or chunking code changes; --rebuild forces it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.pipeline import run_ingest  # noqa: E402
from knowledge.assistant import Assistant  # noqa: E402
from knowledge.config import Settings  # noqa: E402
from knowledge.embeddings import make_embeddings  # noqa: E402
from knowledge.index import VectorIndex, chroma_client  # noqa: E402
from knowledge.retrieval import HybridRetriever  # noqa: E402
from knowledge.text import detect_language  # noqa: E402

K = 5
BM25_MIN_SCORE = 8.0
# Dense alone abstains below the similarity the hybrid retriever was calibrated with for the local model.
DENSE_MIN_SIMILARITY_FALLBACK = 0.82
SENTENCE_COVERAGE = 0.8
MODES = ("hybrid", "dense", "bm25")
PAIRS = ("de→de", "en→de", "de→en", "en→en")
OUT = ROOT / "bench" / "out"
HELDOUT = ROOT / "bench" / "heldout"
# Code whose change alters the passages of an unchanged document: the index is rebuilt when it changes.
INGEST_CODE = ("ingest/*.py", "knowledge/text.py", "knowledge/index.py")
KEEP_ON_REBUILD = {"embeddings.sqlite3"}

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_QUOTES = str.maketrans({"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "«": '"', "»": '"'})


@dataclass(frozen=True)
class Question:
    """One benchmark question, whichever file it came from."""

    id: str
    lang: str
    text: str
    sources: tuple[str, ...]
    sentences: tuple[str, ...]
    kind: str
    split: str | None = None


@dataclass
class Result:
    """What one retriever did with one question."""

    question: Question
    ranked: list[str]
    abstained: bool
    doc_langs: tuple[str, ...]
    sentence_ok: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def words(text: str) -> list[str]:
    """Lower-cased words of text with whitespace and quotes normalised."""
    return [w.lower() for w in _WORD.findall(text.translate(_QUOTES))]


def document_language(text: str) -> str:
    """German or English (the project's own detection; whole documents are long enough for it)."""
    return detect_language(text)


def document_languages(docs: Path) -> dict[str, str]:
    """The language of every file under docs, by its name relative to docs (as the index names it)."""
    return {
        path.relative_to(docs).as_posix(): document_language(
            path.read_text(encoding="utf-8", errors="replace")
        )
        for path in sorted(docs.rglob("*"))
        if path.is_file() and path.suffix.lower() in {".txt", ".md"}
    }


def quotes_answer(answer: str, sentences: Sequence[str]) -> bool:
    """True when the answer's quotes contain at least 80% of the words of every answering sentence."""
    quoted = [line for line in answer.splitlines() if line.lstrip().startswith(">")] or [answer]
    have = set(words("\n".join(quoted)))
    for sentence in sentences:
        needed = words(sentence)
        if needed and sum(w in have for w in needed) < SENTENCE_COVERAGE * len(needed):
            return False
    return True


def load_sample(path: Path, languages: dict[str, str]) -> list[Question]:
    """bench/questions.yaml: one `source` (or null) per question."""
    questions = []
    for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
        sources = (q["source"],) if q.get("source") else ()
        if not sources:
            kind = "unanswerable"
        else:
            kind = "same-language" if languages.get(sources[0], "de") == q["lang"] else "cross-language"
        questions.append(
            Question(q["id"], q["lang"], q["question"], sources, tuple(q.get("answer_sentences") or ()), kind)
        )
    return questions


def load_heldout(path: Path) -> list[Question]:
    """bench/heldout/questions.yaml: `sources` lists, kinds and splits."""
    return [
        Question(
            q["id"],
            q["lang"],
            q["question"],
            tuple(q["sources"]),
            tuple(q["answer_sentences"]),
            q["kind"],
            q["split"],
        )
        for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    ]


def code_fingerprint() -> str:
    """A hash of the code that turns documents into passages."""
    digest = hashlib.sha256()
    for pattern in INGEST_CODE:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def prepare_dir(data_dir: Path, rebuild: bool) -> None:
    """Empty the index (not the vector cache) when forced or when the ingestion code changed."""
    stamp = data_dir / "ingest-code.sha256"
    fingerprint = code_fingerprint()
    if data_dir.exists() and (rebuild or not stamp.exists() or stamp.read_text() != fingerprint):
        for entry in data_dir.iterdir():
            if entry.name in KEEP_ON_REBUILD:
                continue
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    data_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)


def fake_llm() -> Any:
    """A chat model on tests/fakes/openai_server.py that always answers (it quotes passage [1]), run
    on its own event loop: with it, abstention in LLM mode comes from the evidence check alone."""
    import asyncio
    import threading

    from knowledge.assistant import make_llm
    from tests.fakes.openai_server import FakeOpenAI

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    fake = FakeOpenAI()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result()
    settings = Settings(openai_base_url=fake.base_url, openai_api_key="fake", _env_file=None)  # type: ignore[call-arg,arg-type]
    return make_llm(settings)


def build(name: str, docs: Path, rebuild: bool, llm: Any = None) -> tuple[HybridRetriever, Assistant]:
    """Index docs into bench/out/<name> (incrementally) and open the retriever and the assistant."""
    data_dir = OUT / name
    prepare_dir(data_dir, rebuild)
    settings = Settings(clusterbridge_data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]
    index = VectorIndex(chroma_client(settings), make_embeddings(settings))
    started = time.monotonic()
    report = run_ingest(settings, docs, index=index)
    for failed in report.failed:
        print(f"  {name}: skipped {failed.source}: {failed.reason}", file=sys.stderr)
    print(
        f"index {name}: {index.count()} passages from {docs.relative_to(ROOT)} "
        f"ready in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    retriever = HybridRetriever(index)
    # No LLM (the default): extractive answers, and abstention as the offline default decides it.
    return retriever, Assistant(settings, retriever, llm=llm)


_LOOP: Any = None


def ask(assistant: Assistant, text: str, language: Any) -> Any:
    """Assistant.ask, but with an LLM on one event loop for the whole run (the chat model's async
    HTTP client belongs to the loop it first ran on)."""
    global _LOOP
    if not assistant.llm_enabled:
        return assistant.ask(text, language=language)
    if _LOOP is None:
        import asyncio

        _LOOP = asyncio.new_event_loop()
    return _LOOP.run_until_complete(assistant.aask(text, language=language))


def run_mode(
    retriever: HybridRetriever,
    assistant: Assistant,
    question: Question,
    mode: str,
    languages: dict[str, str],
) -> Result:
    """Rank, abstain and (for the hybrid retriever) answer one question."""
    lang: Any = question.lang
    sentence_ok = None
    if mode == "dense":
        # LangChain's plain similarity search, as a user of langchain-chroma would write it.
        pairs = retriever.index.vectorstore.similarity_search_with_score(question.text, k=K)
        ranked = [doc.metadata["source"] for doc, _ in pairs]
        threshold = getattr(retriever, "min_similarity", DENSE_MIN_SIMILARITY_FALLBACK)
        abstained = not pairs or (1.0 - pairs[0][1]) < threshold
    elif mode == "bm25":
        found = retriever.bm25(question.text, lang, K)
        ranked = [chunk.source for chunk, _ in found]
        abstained = not found or found[0][1] < BM25_MIN_SCORE
    else:
        ranked = [hit.source for hit in retriever.retrieve(question.text, k=K, language=lang).hits]
        answer = ask(assistant, question.text, lang)
        abstained = answer.abstained
        if question.sources and question.sentences:
            sentence_ok = not abstained and quotes_answer(answer.answer, question.sentences)
    doc_langs = tuple(sorted({languages.get(s, "de") for s in question.sources}))
    return Result(question, ranked, abstained, doc_langs, sentence_ok)


def first_rank(result: Result) -> int | None:
    """The 0-based position of the first answering document among the passages, if any."""
    ranks = [result.ranked.index(s) for s in result.question.sources if s in result.ranked[:K]]
    return min(ranks) if ranks else None


def share(values: Sequence[bool | float]) -> float | None:
    """The mean, or None for an empty group."""
    return sum(float(v) for v in values) / len(values) if values else None


def figures(results: Sequence[Result]) -> dict[str, Any]:
    """All figures for one retriever on one set."""
    answerable = [r for r in results if r.question.sources]
    unanswerable = [r for r in results if not r.question.sources]
    traps = [r for r in unanswerable if r.question.kind == "trap"]
    reciprocal = {id(r): 1.0 / (rank + 1) if (rank := first_rank(r)) is not None else 0.0 for r in answerable}
    by_pair: dict[str, list[float]] = {pair: [] for pair in PAIRS}
    for r in answerable:
        if len(r.doc_langs) == 1:
            by_pair.setdefault(f"{r.question.lang}→{r.doc_langs[0]}", []).append(reciprocal[id(r)])
    with_sentences = [r for r in answerable if r.sentence_ok is not None]
    answered = [r for r in with_sentences if not r.abstained]
    return {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "traps": len(traps),
        "recall@1": share([bool(r.ranked[:1]) and r.ranked[0] in r.question.sources for r in answerable]),
        "recall@5": share([all(s in r.ranked[:K] for s in r.question.sources) for r in answerable]),
        "MRR": share([reciprocal[id(r)] for r in answerable]),
        "MRR_by_pair": {pair: share(v) for pair, v in by_pair.items()},
        "pair_counts": {pair: len(v) for pair, v in by_pair.items()},
        "abstention": share([r.abstained for r in unanswerable]),
        "abstention_traps": share([r.abstained for r in traps]),
        "false_abstention": share([r.abstained for r in answerable]),
        "abstain_accuracy": share([r.abstained == (not r.question.sources) for r in results]),
        "sentence": share([bool(r.sentence_ok) for r in with_sentences]),
        "sentence_when_answered": share([bool(r.sentence_ok) for r in answered]),
        "misses@5": [
            r.question.id for r in answerable if not all(s in r.ranked[:K] for s in r.question.sources)
        ],
        "false_abstentions": [r.question.id for r in answerable if r.abstained],
        "answered_unanswerable": [r.question.id for r in unanswerable if not r.abstained],
        "sentence_misses": [r.question.id for r in with_sentences if not r.sentence_ok],
    }


def fmt(value: float | None, width: int) -> str:
    """A figure, or a dash where the group is empty."""
    return f"{value:>{width}.3f}" if value is not None else f"{'–':>{width}}"


def print_table(name: str, table: dict[str, dict[str, Any]]) -> None:
    """One set's table, one line per retriever."""
    head = table["hybrid"]
    counts = ", ".join(f"{p} {n}" for p, n in head["pair_counts"].items() if n)
    print(
        f"\n{name}: {head['questions']} questions, {head['answerable']} answerable ({counts}), "
        f"{head['unanswerable']} unanswerable of which {head['traps']} traps"
    )
    columns = ["R@1", "R@5", "MRR", *PAIRS, "abstain", "traps", "false-abst", "sentence"]
    widths = [7] * 7 + [9, 7, 11, 9]
    print(f"{'retriever':<10}" + "".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for mode in MODES:
        f = table[mode]
        cells = [f["recall@1"], f["recall@5"], f["MRR"], *(f["MRR_by_pair"].get(p) for p in PAIRS)]
        cells += [f["abstention"], f["abstention_traps"], f["false_abstention"], f["sentence"]]
        print(f"{mode:<10}" + "".join(fmt(c, w) for c, w in zip(cells, widths, strict=True)))


def evaluate(
    retriever: HybridRetriever,
    assistant: Assistant,
    questions: Sequence[Question],
    languages: dict[str, str],
    groups: dict[str, Callable[[Question], bool]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """Run every retriever once per question and compute the figures of each group."""
    results = {
        mode: [run_mode(retriever, assistant, q, mode, languages) for q in questions] for mode in MODES
    }
    return {
        group: {mode: figures([r for r in results[mode] if keep(r.question)]) for mode in MODES}
        for group, keep in groups.items()
    }


# The held-out set's parts: all but fresh3 and fresh7 have been looked at while tuning (the fresh parts
# each after one report run); fresh3 was run for reports and never tuned on; fresh7 was written last.
HALVES = {
    "tune": "held-out tune",
    "test": "held-out test",
    "fresh": "held-out fresh",
    "fresh2": "held-out fresh2",
    "fresh3": "held-out fresh3",
    "fresh4": "held-out fresh4",
    "fresh5": "held-out fresh5",
    "fresh6": "held-out fresh6",
    "fresh7": "held-out fresh7",
}


def in_split(split: str) -> Callable[[Question], bool]:
    """A filter for one half of the held-out set."""
    return lambda q: q.split == split


def main() -> int:
    """Build the indexes (cached) and print the tables, or their JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        choices=[
            "sample",
            "tune",
            "test",
            "dev",
            "fresh",
            "fresh2",
            "fresh3",
            "fresh4",
            "fresh5",
            "fresh6",
            "fresh7",
            "all",
        ],
        default="all",
        help="dev: every part looked at while tuning (all but fresh3 and fresh7)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--lang", choices=["de", "en", "all"], default="all", help="only questions in this language"
    )
    parser.add_argument(
        "--llm",
        choices=["none", "fake"],
        default="none",
        help="answer with an LLM: 'fake' is the fake OpenAI server playing a model that always answers",
    )
    parser.add_argument("--rebuild", action="store_true", help="re-index from scratch (vectors stay cached)")
    parser.add_argument(
        "--questions", type=Path, default=ROOT / "bench" / "questions.yaml", help="the sample set"
    )
    parser.add_argument(
        "--docs", type=Path, default=ROOT / "sample" / "docs", help="the sample set's documents"
    )
    args = parser.parse_args()
    wanted = {
        "all": {
            "sample",
            "tune",
            "test",
            "fresh",
            "fresh2",
            "fresh3",
            "fresh4",
            "fresh5",
            "fresh6",
            "fresh7",
        },
        "dev": {"tune", "test", "fresh", "fresh2", "fresh4", "fresh5", "fresh6"},
    }.get(args.set, {args.set})
    llm = fake_llm() if args.llm == "fake" else None

    def in_lang(q: Question) -> bool:
        return args.lang == "all" or q.lang == args.lang

    tables: dict[str, dict[str, dict[str, Any]]] = {}
    if "sample" in wanted:
        languages = document_languages(args.docs)
        questions = [q for q in load_sample(args.questions, languages) if in_lang(q)]
        retriever, assistant = build("retrieval", args.docs, args.rebuild, llm)
        tables.update(evaluate(retriever, assistant, questions, languages, {"sample": lambda q: True}))
    if wanted & set(HALVES):
        docs = HELDOUT / "docs"
        languages = document_languages(docs)
        questions = [q for q in load_heldout(HELDOUT / "questions.yaml") if in_lang(q) and q.split in wanted]
        retriever, assistant = build("heldout", docs, args.rebuild, llm)
        groups = {split: in_split(split) for split in HALVES if split in wanted}
        tables.update(evaluate(retriever, assistant, questions, languages, groups))
    if args.json:
        print(json.dumps(tables, indent=2, ensure_ascii=False))
        return 0
    for name, title in {"sample": "sample", **HALVES}.items():
        if name in tables:
            print_table(title, tables[name])
    print(
        "\nR@1, R@5, MRR: answering document among the 5 passages (two-document questions: both for R@5);"
        "\nMRR per pair: question language → document language; abstain: share of unanswerable questions"
        "\nthat abstained (traps: of the traps alone); false-abst: share of answerable ones that abstained;"
        "\nsentence: share of answerable questions whose extractive answer quotes >= 80% of the words of"
        "\nthe answering sentence(s) (hybrid retriever through the assistant, no LLM)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
