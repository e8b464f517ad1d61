"""Answers as Telegram HTML: escaped text, numbered citations, clean splits under 4,096 characters."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from knowledge.catalogue import text
from knowledge.models import Answer, Language, Source

MESSAGE_LIMIT = 4096
TITLE_LIMIT = 200

_TOKEN = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|[<&]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z-]+)")
_CITATION = re.compile(r"\[([0-9]{1,3})\]")
# In quotes, only the citation after the closing quote mark is ours; a "[1]" inside a quoted
# sentence belongs to the document and stays plain text.
_QUOTE_CITATION = re.compile(r"(?<=[“”] )\[([0-9]{1,3})\](?=\n|$)")
_ESCAPED_SIZE = {"<": 4, ">": 4, "&": 5}
_SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def escape(text: str) -> str:
    """Escape plain text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_source(number: int, source: Source) -> str:
    """One numbered source line: the title linked to its URL when it has a safe one."""
    title = escape(_shorten(source.title or source.source, TITLE_LIMIT))
    if source.url and source.url.lower().startswith(_SAFE_SCHEMES):
        return f'[{number}] <a href="{html.escape(source.url, quote=True)}">{title}</a>'
    return f"[{number}] {title}"


def link_citations(body: str, sources: list[Source], quotes: bool = False) -> str:
    """Turn the citations [n] in escaped text into links to the n-th source, where it has a safe URL
    (with `quotes`, only the citation that follows each quote)."""

    def link(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if 1 <= number <= len(sources):
            url = sources[number - 1].url
            if url and url.lower().startswith(_SAFE_SCHEMES):
                return f'<a href="{html.escape(url, quote=True)}">{match.group()}</a>'
        return match.group()

    return (_QUOTE_CITATION if quotes else _CITATION).sub(link, body)


def render_answer_html(answer: Answer, language: Language) -> str:
    """The whole answer as one Telegram HTML string (may be longer than one message)."""
    body = escape(answer.answer.strip()) or escape(text(language, "abstained_hint"))
    if answer.sources and not answer.abstained:
        body = link_citations(body, answer.sources, quotes=answer.mode == "extractive")
    parts = [body]
    if answer.sources and not answer.abstained:
        lines = [f"<b>{escape(text(language, 'sources'))}</b>"]
        lines += [render_source(i, source) for i, source in enumerate(answer.sources, start=1)]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def render_answer(answer: Answer, language: Language, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The answer as Telegram HTML messages, each at most `limit` characters."""
    return split_html(render_answer_html(answer, language), limit)


def render_partial(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A streaming preview of a growing answer: escaped, marked unfinished, cut to fit one message.

    Cheap on purpose (it runs while the answer streams): the plain text is cut before escaping.
    """
    suffix = " …"
    budget = limit - len(suffix)
    text = text.strip()
    size = 0
    end = len(text)
    for index, char in enumerate(text):
        size += _ESCAPED_SIZE.get(char, 1)
        if size > budget:
            end = index
            break
    cut = text[:end]
    if end < len(text) and cut.rfind(" ") > budget // 2:
        cut = cut[: cut.rfind(" ")]
    return escape(cut.rstrip()) + suffix


@dataclass(frozen=True)
class _Cut:
    """A position in the HTML where a message may end, with the tags open there."""

    index: int
    open_tags: tuple[str, ...]


def _tag_name(tag: str) -> str:
    match = _TAG_NAME.match(tag)
    return match.group(1).lower() if match else ""


def _cuts(markup: str) -> list[_Cut]:
    """Every position outside a tag or entity, with the stack of opening tags active there."""
    cuts: list[_Cut] = [_Cut(0, ())]
    stack: tuple[str, ...] = ()
    index = 0
    for token in _TOKEN.finditer(markup):
        text = token.group()
        if text.startswith("<") and len(text) > 1:
            name = _tag_name(text)
            if text.startswith("</"):
                for depth in range(len(stack) - 1, -1, -1):
                    if _tag_name(stack[depth]) == name:
                        stack = stack[:depth]
                        break
            elif not text.endswith("/>"):
                stack = (*stack, text)
            index += len(text)
        elif text.startswith("&") and len(text) > 1:
            index += len(text)
        else:
            cuts.extend(_Cut(index + offset, stack) for offset in range(1, len(text)))
            index += len(text)
        cuts.append(_Cut(index, stack))
    return cuts


def _closing(stack: tuple[str, ...]) -> str:
    return "".join(f"</{_tag_name(tag)}>" for tag in reversed(stack))


def _preference(markup: str, index: int) -> int:
    """How good a place `index` is to end a message: paragraph > line > word > anywhere."""
    before = markup[max(0, index - 2) : index]
    if before.endswith("\n\n"):
        return 3
    if before.endswith("\n"):
        return 2
    if before.endswith((" ", "\t")):
        return 1
    return 0


def split_html(markup: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` characters.

    Messages end on paragraph boundaries when possible, then on line breaks, then between words;
    never inside a tag or an entity. A tag still open at a split is closed at the end of the
    message and reopened at the start of the next one.
    """
    markup = markup.strip()
    if len(markup) <= limit:
        return [markup] if markup else []
    cuts = _cuts(markup)
    messages: list[str] = []
    start = _Cut(0, ())
    position = 0  # index into cuts
    while True:
        prefix = "".join(start.open_tags)
        rest = markup[start.index :]
        if len(prefix) + len(rest) <= limit:
            messages.append(prefix + rest)
            break
        best: _Cut | None = None
        best_key = (-1, -1)
        j = position + 1
        while j < len(cuts):
            cut = cuts[j]
            size = len(prefix) + (cut.index - start.index) + len(_closing(cut.open_tags))
            if size > limit:
                break
            if cut.index > start.index:
                preference = _preference(markup, cut.index)
                # prefer a better kind of boundary unless it would leave the message under half full
                usable = (cut.index - start.index) >= limit // 4
                key = (preference if usable else 0, cut.index)
                if key >= best_key:
                    best, best_key, best_position = cut, key, j
            j += 1
        if best is None:
            raise ValueError(f"cannot split HTML into messages of {limit} characters")
        messages.append(prefix + markup[start.index : best.index] + _closing(best.open_tags))
        start, position = best, best_position
    cleaned = [_strip_message(message) for message in messages]
    return [message for message in cleaned if message]


def _strip_message(message: str) -> str:
    """Trim whitespace and drop tags that wrap nothing (e.g. a link reopened on an empty tail)."""
    message = message.strip()
    previous = None
    while previous != message:
        previous = message
        message = re.sub(r"<([a-zA-Z-]+)(?:\s[^>]*)?>\s*</\1>", "", message).strip()
    return message
