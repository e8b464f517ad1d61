"""Retrieval quality on bench/questions.yaml: recall@1, recall@5, MRR and abstention accuracy.

Compares the hybrid retriever with BM25 alone and dense alone (LangChain's plain Chroma similarity
search over the same embeddings). Run: `python bench/retrieval.py` (builds its index once in bench/out).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.pipeline import run_ingest  # noqa: E402
from knowledge.config import Settings  # noqa: E402
from knowledge.embeddings import make_embeddings  # noqa: E402
from knowledge.retrieval import HybridRetriever  # noqa: E402
from knowledge.store import VectorIndex, chroma_client  # noqa: E402
from knowledge.text import detect_language  # noqa: E402

BM25_MIN_SCORE = 8.0


def evaluate(retriever: HybridRetriever, questions: list[dict], mode: str) -> dict[str, float]:
    """The four figures for one retrieval mode."""
    r1 = r5 = rr = correct_abstain = 0.0
    answerable = [q for q in questions if q["source"]]
    for q in questions:
        language = q.get("lang") or detect_language(q["question"])
        if mode == "dense":
            # LangChain's plain similarity search, as a user of langchain-chroma would write it.
            pairs = retriever.index.vectorstore.similarity_search_with_score(q["question"], k=5)
            sources = [doc.metadata["source"] for doc, _ in pairs]
            abstain = not pairs or (1.0 - pairs[0][1]) < retriever.min_similarity
        elif mode == "bm25":
            found = retriever.bm25(q["question"], language, 5)
            sources = [chunk.source for chunk, _ in found]
            abstain = not found or found[0][1] < BM25_MIN_SCORE
        else:
            retrieval = retriever.retrieve(q["question"], k=5, language=language)
            sources = [hit.source for hit in retrieval.hits]
            abstain = not retrieval.confident()
        correct_abstain += abstain == (q["source"] is None)
        if q["source"]:
            if sources[:1] == [q["source"]]:
                r1 += 1
            if q["source"] in sources[:5]:
                r5 += 1
                rr += 1.0 / (sources.index(q["source"]) + 1)
    n = len(answerable)
    return {
        "recall@1": r1 / n,
        "recall@5": r5 / n,
        "MRR": rr / n,
        "abstention": correct_abstain / len(questions),
    }


def main() -> int:
    """Build the bench index (cached) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "bench" / "questions.yaml")
    parser.add_argument("--docs", type=Path, default=ROOT / "sample" / "docs")
    parser.add_argument("--lang", choices=["de", "en", "all"], default="all")
    args = parser.parse_args()
    settings = Settings(clusterbridge_data_dir=ROOT / "bench" / "out" / "retrieval", _env_file=None)  # type: ignore[call-arg]
    started = time.monotonic()
    run_ingest(settings, args.docs)
    print(f"index ready in {time.monotonic() - started:.1f} s")
    retriever = HybridRetriever(VectorIndex(chroma_client(settings), make_embeddings(settings)))
    questions = yaml.safe_load(args.questions.read_text(encoding="utf-8"))["questions"]
    groups = {"all": questions}
    for lang in ("de", "en"):
        groups[lang] = [q for q in questions if q["lang"] == lang]
    selected = groups if args.lang == "all" else {args.lang: groups[args.lang]}
    for name, group in selected.items():
        print(f"\nquestions: {name} ({len(group)}, {sum(1 for q in group if not q['source'])} unanswerable)")
        print(f"{'mode':<8}{'recall@1':>10}{'recall@5':>10}{'MRR':>8}{'abstain':>10}")
        for mode in ("hybrid", "bm25", "dense"):
            figures = evaluate(retriever, group, mode)
            print(
                f"{mode:<8}"
                + "".join(
                    f"{figures[key]:>{w}.3f}"
                    for key, w in (("recall@1", 10), ("recall@5", 10), ("MRR", 8), ("abstention", 10))
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
