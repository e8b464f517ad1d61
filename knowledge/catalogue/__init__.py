"""Every user-facing text in German and English: the bot, the CLI's terminal chat, the answers.

One catalogue, kept per feature in this package (`core.py`, and one module per feature as they
arrive); `TEXTS` merges them, and a key may exist only once. German speaks to business members in
one register throughout: "Sie". A key holds both languages side by side, so a text cannot exist in
one language only (tests/test_catalogue.py checks both languages and their placeholders agree).
"""

from __future__ import annotations

from knowledge.catalogue import admin, contacts, core, events, ops
from knowledge.models import Language

DEFAULT_LANGUAGE: Language = "de"
FEATURES = (core, events, contacts, admin, ops)


def _merged() -> dict[str, dict[Language, str]]:
    texts: dict[str, dict[Language, str]] = {}
    for feature in FEATURES:
        for key, value in feature.TEXTS.items():
            if key in texts:
                raise ValueError(f"catalogue key {key!r} is defined twice")
            texts[key] = value
    return texts


TEXTS = _merged()


def language_from_code(code: str | None) -> Language:
    """The supported language for an IETF code such as Telegram's `language_code` (German by default)."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def text(language: Language, key: str, **values: object) -> str:
    """The text `key` in `language`, formatted with `values` (plain text, not escaped)."""
    return TEXTS[key][language].format(**values)
