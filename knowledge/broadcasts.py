"""Broadcasts: audiences ("cluster:ID", "topic:T", "all"), Telegram-HTML validation before anything is
queued (the stdlib html.parser with Telegram's tags), and queueing into the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from knowledge.errors import ClusterBridgeError
from knowledge.state import StateStore

MAX_LENGTH = 4096
# Telegram's HTML: these tags with these attributes, nothing else (core.telegram.org/bots/api#html-style).
ALLOWED: dict[str, frozenset[str]] = {
    **dict.fromkeys(("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler"), frozenset()),
    "span": frozenset({"class"}),
    "a": frozenset({"href"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
}
NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
CLUSTER_AUDIENCE = re.compile(r"^[a-z0-9-]+$")


class InvalidHtmlError(ClusterBridgeError):
    """The text is not valid Telegram HTML; `reason` says where."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid Telegram HTML: {reason}")
        self.reason = reason


class AudienceError(ClusterBridgeError):
    """An audience that names nothing ("cluster:" without an id, an unknown cluster)."""


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.visible = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            raise InvalidHtmlError(f"<{tag}> is not allowed")
        for name, value in attrs:
            if name not in ALLOWED[tag]:
                raise InvalidHtmlError(f"<{tag}> cannot have {name}=")
            if tag == "a" and not (value or "").lower().startswith(
                ("http://", "https://", "tg://", "mailto:")
            ):
                raise InvalidHtmlError("a link needs an http(s) address")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            raise InvalidHtmlError('<span> needs class="tg-spoiler"')
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise InvalidHtmlError(f"<{tag}/> is not allowed")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            expected = f"</{self.open[-1]}>" if self.open else "no closing tag"
            raise InvalidHtmlError(f"</{tag}> where {expected} was expected")
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise InvalidHtmlError("a lone < or > (write &lt; or &gt;)")
        self.visible += len(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            raise InvalidHtmlError(f"&{name}; is not supported (use &lt; &gt; &amp; &quot;)")
        self.visible += 1

    def handle_charref(self, name: str) -> None:
        self.visible += 1

    def handle_comment(self, data: str) -> None:
        raise InvalidHtmlError("comments are not allowed")

    def handle_decl(self, decl: str) -> None:
        raise InvalidHtmlError("declarations are not allowed")

    def unknown_decl(self, data: str) -> None:
        raise InvalidHtmlError("declarations are not allowed")


def check_html(text: str) -> str:
    """The text when Telegram will accept it as HTML; InvalidHtmlError naming the first problem."""
    if not text.strip():
        raise InvalidHtmlError("the text is empty")
    if re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", text):
        raise InvalidHtmlError("a lone & (write &amp;)")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.open:
        raise InvalidHtmlError(f"<{checker.open[-1]}> is not closed")
    if checker.visible > MAX_LENGTH:
        raise InvalidHtmlError(f"longer than {MAX_LENGTH} characters")
    return text


@dataclass(frozen=True)
class Audience:
    """Who a broadcast reaches: subscribers of a cluster or a topic, or every active user."""

    kind: str
    value: str | None = None

    @classmethod
    def parse(cls, text: str) -> Audience:
        """'cluster:ID', 'topic:T' or 'all'."""
        kind, _, value = text.strip().partition(":")
        if kind == "all" and not value:
            return cls("all")
        if kind == "cluster" and CLUSTER_AUDIENCE.match(value.strip()):
            return cls("cluster", value.strip())
        if kind == "topic" and value.strip():
            return cls("topic", value.strip())
        raise AudienceError(f"not an audience: {text!r} (use cluster:ID, topic:TOPIC or all)")

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"

    async def recipients(self, store: StateStore) -> list[int]:
        """The active users it reaches now."""
        return await store.subscriptions.audience(self.kind, self.value)


async def queue(
    store: StateStore, audience: Audience, text: str, created_by: int | None = None
) -> tuple[int, int]:
    """Check the HTML, then write the broadcast and one outbox row per recipient; (id, recipients)."""
    check_html(text)
    recipients = await audience.recipients(store)
    broadcast_id = await store.outbox.create(
        "announce", str(audience), text, recipients, created_by=created_by
    )
    assert broadcast_id is not None  # no key: never a duplicate
    return broadcast_id, len(recipients)
