"""Inline-button data: one small codec with registered prefixes, parsed strictly.

A button's data is `prefix:int[:int...]`. Each kind of button registers its prefix once; its
handler is routed with `pattern=kind.pattern`, and a last catch-all answers stale or forged
buttons politely. Numbers are ASCII digits only, without spaces or leading zeros, within 64 bits:
anything else is not a button of ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data
INT64 = 2**63 - 1
_NUMBER = r"(?:0|-?[1-9][0-9]{0,18})"
_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,15}")

_registry: dict[str, ButtonKind] = {}


@dataclass(frozen=True)
class ButtonKind:
    """One kind of button: its prefix and how many integer fields its data carries."""

    prefix: str
    fields: int

    @property
    def pattern(self) -> re.Pattern[str]:
        """The regular expression for `CallbackQueryHandler(pattern=...)`."""
        numbers = "".join(f":{_NUMBER}" for _ in range(self.fields))
        return re.compile(rf"\A{self.prefix}{numbers}\Z", re.ASCII)

    def data(self, *values: int) -> str:
        """The callback data for these values."""
        if len(values) != self.fields or any(abs(v) > INT64 for v in values):
            raise ValueError(f"{self.prefix}: expected {self.fields} integers within 64 bits, got {values}")
        data = ":".join([self.prefix, *map(str, values)])
        if len(data.encode()) > DATA_LIMIT:  # pragma: no cover - 64-bit ints keep short prefixes in bounds
            raise ValueError(f"callback data longer than {DATA_LIMIT} bytes: {data}")
        return data

    def parse(self, data: str | None) -> tuple[int, ...] | None:
        """The values of a button of this kind, or None when `data` is not one (strictly)."""
        if not data or not self.pattern.fullmatch(data):
            return None
        values = tuple(int(part) for part in data.split(":")[1:])
        return values if all(abs(v) <= INT64 for v in values) else None


def register(prefix: str, fields: int) -> ButtonKind:
    """Declare a kind of button; each prefix once."""
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"a button prefix is 1-16 of a-z 0-9 _, starting with a letter: {prefix!r}")
    if prefix in _registry:
        raise ValueError(f"button prefix {prefix!r} is registered twice")
    kind = ButtonKind(prefix, fields)
    _registry[prefix] = kind
    return kind
