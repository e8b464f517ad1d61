"""The one catalogue: both languages for every key, the same placeholders, one German register."""

from __future__ import annotations

import re
import string

from knowledge.catalogue import TEXTS

_DU = re.compile(r"\b(du|dich|dir|dein\w*|kannst|hast|bist|schreib|stell)\b", re.IGNORECASE)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_has_german_and_english_with_the_same_placeholders() -> None:
    for key, texts in TEXTS.items():
        assert set(texts) == {"de", "en"}, key
        assert _fields(texts["de"]) == _fields(texts["en"]), key


def test_german_speaks_in_one_register() -> None:
    for key, texts in TEXTS.items():
        assert not _DU.search(texts["de"]), (key, texts["de"])
