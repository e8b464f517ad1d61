"""Check the held-out set: documents, questions, answering sentences, kinds and splits.

Run: `python bench/heldout/check.py` (exit status 1 and one line per problem when something is wrong).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DOCS = HERE / "docs"
QUESTIONS = HERE / "questions.yaml"
KINDS = ("same-language", "cross-language", "two-docs", "trap", "unanswerable")
ANSWERABLE = ("same-language", "cross-language", "two-docs")
SPLITS = ("tune", "test", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7")
_PLAIN = str.maketrans({"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "–": "-"})
_EN = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "in",
        "is",
        "was",
        "for",
        "with",
        "by",
        "on",
        "at",
        "from",
        "that",
        "it",
        "are",
        "as",
        "an",
    ]
)
_DE = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "im",
        "den",
        "von",
        "zu",
        "mit",
        "für",
        "auf",
        "des",
        "ein",
        "eine",
        "dem",
        "sich",
        "nicht",
    ]
)


def normalise(text: str) -> str:
    """Whitespace collapsed, typographic quotes and dashes made plain."""
    text = text.translate(_PLAIN)
    return re.sub(r"\s+", " ", text).strip()


def document_language(text: str) -> str:
    """German or English, by stop words (documents are long enough for this to be unambiguous)."""
    words = re.findall(r"[a-zäöüß]+", text.lower())
    return "en" if sum(w in _EN for w in words) > sum(w in _DE for w in words) else "de"


def body(path: Path) -> str:
    """A document's text without its Title/Source header lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and re.match(r"^(Title|Source):", lines[0]):
        lines.pop(0)
    return "\n".join(lines).strip()


def problems() -> tuple[list[str], list[dict], dict[str, str]]:
    """Everything wrong with the set, the questions and each document's language."""
    found: list[str] = []
    languages: dict[str, str] = {}
    for path in sorted(DOCS.iterdir()):
        text = path.read_text(encoding="utf-8")
        head = text.splitlines()[:2]
        if len(head) < 2 or not head[0].startswith("Title: ") or not head[1].startswith("Source: http"):
            found.append(f"{path.name}: must start with 'Title: ...' and 'Source: <url>' lines")
        if not 1500 <= len(body(path)) <= 5000:
            found.append(f"{path.name}: body has {len(body(path))} characters (1,500-5,000 expected)")
        languages[path.name] = document_language(body(path))
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    ids = Counter(q["id"] for q in questions)
    found += [f"{qid}: duplicate id" for qid, n in ids.items() if n > 1]
    for q in questions:
        qid, kind, sources = q["id"], q["kind"], q["sources"]
        if kind not in KINDS or q["lang"] not in ("de", "en") or q["split"] not in SPLITS:
            found.append(f"{qid}: bad kind, lang or split")
            continue
        if (kind in ANSWERABLE) != bool(sources):
            found.append(f"{qid}: {kind} questions {'need' if kind in ANSWERABLE else 'have no'} sources")
        if (kind == "two-docs") != (len(sources) == 2) and sources:
            found.append(f"{qid}: two-docs questions have exactly two sources, others one")
        if len(q["answer_sentences"]) != len(sources):
            found.append(f"{qid}: one answering sentence per source expected")
        for source, sentence in zip(sources, q["answer_sentences"], strict=False):
            if source not in languages:
                found.append(f"{qid}: no document {source}")
            elif normalise(sentence) not in normalise(body(DOCS / source)):
                found.append(f"{qid}: sentence not found verbatim in {source}: {sentence[:60]}...")
        if kind in ("same-language", "cross-language") and sources and sources[0] in languages:
            same = languages[sources[0]] == q["lang"]
            if same != (kind == "same-language"):
                found.append(f"{qid}: kind {kind} but question {q['lang']}, document {languages[sources[0]]}")
    return found, questions, languages


def main() -> int:
    """Print the problems, or the set's composition."""
    found, questions, languages = problems()
    for line in found:
        print(line)
    if found:
        return 1
    doc_langs = Counter(languages.values())
    print(f"{len(languages)} documents: {doc_langs['de']} German, {doc_langs['en']} English")
    print(f"{len(questions)} questions")
    print(f"{'kind':<16}{'lang':>6}{'docs':>8}" + "".join(f"{s:>7}" for s in SPLITS))
    rows: Counter[tuple[str, str, str, str]] = Counter()
    for q in questions:
        docs = "+".join(sorted({languages[s] for s in q["sources"]})) or "-"
        rows[(q["kind"], q["lang"], docs, q["split"])] += 1
    for kind, lang, docs in sorted({(k, la, d) for k, la, d, _ in rows}, key=lambda r: KINDS.index(r[0])):
        counts = "".join(f"{rows[(kind, lang, docs, s)]:>7}" for s in SPLITS)
        print(f"{kind:<16}{lang:>6}{docs:>8}{counts}")
    splits = Counter(q["split"] for q in questions)
    print(f"{'total':<30}" + "".join(f"{splits[s]:>7}" for s in SPLITS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
