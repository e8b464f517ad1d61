"""Unit tests of bot.render (escaping, citations, splitting) and of the small plain functions."""

from __future__ import annotations

import re

import pytest

from bot.qa import parse_feedback, thread_id
from bot.render import (
    MESSAGE_LIMIT,
    escape,
    render_answer,
    render_answer_html,
    render_partial,
    render_source,
    split_html,
)
from knowledge.access import FloodLimit, FloodLimiter, effective_role, may_ask
from knowledge.models import Answer, Source
from tests.fakes.telegram_server import parse_html
from tests.helpers import settings_for


def answer(text: str, *sources: Source, abstained: bool = False, note: str | None = None) -> Answer:
    return Answer(
        answer=text, sources=list(sources), abstained=abstained, language="de", note=note, mode="llm"
    )


def test_escape_only_what_telegram_needs() -> None:
    assert escape('a < b && c > "d"') == 'a &lt; b &amp;&amp; c &gt; "d"'


def test_sources_are_numbered_and_linked_with_escaped_titles_and_urls() -> None:
    html = render_answer_html(
        answer(
            "Laut <Quelle> gilt A & B [1], siehe auch [2].",
            Source(source="a.md", title="R&D <Report>", url='https://example.org/?a=1&b="2"'),
            Source(source="b.txt", title="Ohne Link", url=None),
        ),
        "de",
    )
    link = '<a href="https://example.org/?a=1&amp;b=&quot;2&quot;">'
    assert html.startswith(f"Laut &lt;Quelle&gt; gilt A &amp; B {link}[1]</a>, siehe auch [2].")
    assert '[1] <a href="https://example.org/?a=1&amp;b=&quot;2&quot;">R&amp;D &lt;Report&gt;</a>' in html
    assert "[2] Ohne Link" in html
    assert "<b>Quellen</b>" in html
    assert parse_html(html)


def test_unsafe_links_are_not_linked() -> None:
    line = render_source(1, Source(source="x", title="X", url="javascript:alert(1)"))
    assert line == "[1] X"
    html = render_answer_html(
        answer("A [1] [7]", Source(source="x", title="X", url="javascript:alert(1)")), "de"
    )
    assert html.startswith("A [1] [7]\n\n")


def test_title_falls_back_to_the_source_and_is_shortened() -> None:
    assert render_source(3, Source(source="docs/a.md", title="")) == "[3] docs/a.md"
    long = render_source(1, Source(source="x", title="T" * 500))
    assert len(long) < 220 and long.endswith("…")


def test_abstention_shows_no_sources_and_the_note_once() -> None:
    note = "KI nicht erreichbar"
    html = render_answer_html(
        answer(f"{note}\n\nDazu finde ich nichts.", Source(source="a", title="A"), abstained=True, note=note),
        "de",
    )
    assert "Quellen" not in html and html.count(note) == 1  # the note is part of the answer text


def test_in_quotes_only_the_citation_after_each_quote_is_a_link() -> None:
    source = Source(source="a", title="A", url="https://example.org/a")
    quoted = "Passende Stellen:\n> „Siehe Anlage [1] im Bericht.“ [1]\n> „Zweiter Satz.“ [1]"
    html = render_answer_html(
        Answer(answer=quoted, sources=[source], abstained=False, mode="extractive"), "de"
    )
    body = html.split("<b>")[0]
    assert "Anlage [1] im" in body  # the document's own "[1]" stays text
    assert body.count('<a href="https://example.org/a">[1]</a>') == 2


def test_english_heading() -> None:
    assert "<b>Sources</b>" in render_answer_html(answer("x [1]", Source(source="a", title="A")), "en")


def test_short_answers_are_one_message() -> None:
    assert render_answer(answer("Kurz.", Source(source="a", title="A")), "de") == [
        "Kurz.\n\n<b>Quellen</b>\n[1] A"
    ]


def test_split_prefers_paragraphs() -> None:
    paragraphs = [f"Absatz {i}. " + "Wort " * 150 for i in range(12)]
    messages = split_html("\n\n".join(p.strip() for p in paragraphs), 2000)
    assert len(messages) > 1
    for message in messages:
        assert len(message) <= 2000
        assert message.startswith("Absatz") and message.endswith("Wort")
    assert " ".join(messages).count("Absatz") == 12


def test_split_falls_back_to_lines_then_words() -> None:
    lines = "\n".join("Zeile " + "x" * 50 for _ in range(100))
    messages = split_html(lines, 500)
    assert all(len(m) <= 500 and m.startswith("Zeile") for m in messages)
    words = " ".join(["Wort"] * 1000)
    messages = split_html(words, 300)
    assert all(len(m) <= 300 and m.startswith("Wort") and m.endswith("Wort") for m in messages)
    assert sum(m.count("Wort") for m in messages) == 1000


def test_split_never_cuts_an_entity_or_a_tag() -> None:
    markup = "&amp;&lt;&gt;" * 500 + ' <a href="https://example.org/a?b=1&amp;c=2">Link</a>'
    messages = split_html(markup, 97)
    for message in messages:
        assert len(message) <= 97
        parse_html(message)
        assert not re.search(r"&[a-z]*$", message)
    assert "".join(messages).replace(" ", "") == markup.replace(" ", "")


def test_split_closes_and_reopens_tags_around_a_cut() -> None:
    markup = "<b>" + "fett " * 100 + "</b> normal"
    messages = split_html(markup, 120)
    assert all(len(m) <= 120 for m in messages)
    for message in messages:
        parse_html(message)  # balanced on its own
    assert messages[0].startswith("<b>") and messages[0].endswith("</b>")
    assert messages[1].startswith("<b>")
    assert "".join(parse_html(m) + " " for m in messages).split() == parse_html(markup).split()


def test_split_of_a_realistic_long_answer_keeps_every_message_valid() -> None:
    text = "\n\n".join(f"Absatz {i}: " + "R&D <Wasserstoff> in Hamburg. " * 40 for i in range(15))
    sources = [
        Source(source=f"s{i}", title=f"Quelle {i} & Co", url=f"https://e.org/{i}?a=1&b=2") for i in range(5)
    ]
    messages = render_answer(answer(text, *sources), "de")
    assert len(messages) >= 4
    for message in messages:
        assert 0 < len(message) <= MESSAGE_LIMIT
        parse_html(message)
    assert messages[-1].endswith("Quelle 4 &amp; Co</a>")


def test_exactly_the_limit_is_one_message() -> None:
    assert split_html("x" * MESSAGE_LIMIT) == ["x" * MESSAGE_LIMIT]
    assert len(split_html("x" * (MESSAGE_LIMIT + 1))) == 2
    assert split_html("   ") == []


def test_streaming_preview_is_escaped_and_fits() -> None:
    assert render_partial("a < b") == "a &lt; b …"
    assert len(render_partial("<" * 5000)) <= MESSAGE_LIMIT


def test_feedback_callback_data() -> None:
    assert parse_feedback("fb:12:1") == (12, 1)
    assert parse_feedback("fb:12:-1") == (12, -1)
    forged = ("fb: 1 :1", "fb:١٢:1", "fb:¹:1", "fb:1_0:1", "fb:01:1", "fb:12:+1", "fb:1:1\n", "fb:-5:1")
    too_big = ("fb:" + "9" * 25 + ":1", f"fb:{2**63}:1")
    for bad in ("fb:12:0", "fb:x:1", "fb:1", "other:1:1", None, "", *forged, *too_big):
        assert parse_feedback(bad) is None, bad


def test_thread_id_is_per_chat_and_user() -> None:
    assert thread_id(-100, 7) == "chat:-100:user:7"
    assert thread_id(-100, 7) != thread_id(7, 7)


def test_flood_limiter_window_and_single_warning() -> None:
    now = [0.0]
    limiter = FloodLimiter(FloodLimit(max_requests=2, period=10), clock=lambda: now[0])
    assert limiter.hit(1) == 0 and limiter.hit(1) == 0
    assert limiter.hit(1) == pytest.approx(10)
    assert limiter.hit(2) == 0  # per user
    assert limiter.should_warn(1) and not limiter.should_warn(1)
    now[0] = 10.5
    assert limiter.hit(1) == 0 and limiter.should_warn(1)
    now[0] = 100
    limiter.prune()
    assert not limiter._seen and not limiter._warned


def test_roles_and_access_policy(tmp_path: object) -> None:
    class Record:
        def __init__(self, role: str = "member", member_id: str | None = None) -> None:
            self.id, self.role, self.member_id = 1, role, member_id

    open_ = settings_for(tmp_path, clusterbridge_admins="9")  # type: ignore[arg-type]
    members = settings_for(tmp_path, clusterbridge_admins="9", clusterbridge_access="members")  # type: ignore[arg-type]
    assert effective_role(9, None, open_) == "admin"
    assert effective_role(1, Record("manager"), open_) == "manager"
    assert effective_role(1, None, open_) == "member"
    assert may_ask(1, None, open_) and may_ask(1, Record(), open_)
    assert not may_ask(1, Record(), members)
    assert may_ask(1, Record(member_id="m1"), members)
    assert may_ask(1, Record("manager"), members)
    assert may_ask(9, None, members)


def test_button_kinds_with_and_without_fields() -> None:
    from bot.callbacks import ButtonKind

    plain = ButtonKind("ok", 0)
    assert plain.data() == "ok" and plain.parse("ok") == () and plain.parse("ok:1") is None
    pair = ButtonKind("xy", 2)
    assert pair.parse(pair.data(3, -4)) == (3, -4) and pair.parse("xy:3") is None
