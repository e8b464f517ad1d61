"""Shared by the contacts bot tests: a small members file, a ContactDesk on a private hash-embedded
profile index, and helpers to talk to the bot and press its buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import Application

from ingest.members import MemberReport, ingest_members
from knowledge.config import Settings
from knowledge.contact_desk import ContactDesk
from knowledge.contacts import ProfileIndex
from knowledge.embeddings import CachedEmbeddings, EmbeddingCache
from knowledge.index import chroma_client
from knowledge.state import StateStore
from tests.bot.conftest import BotHarness, bot_settings
from tests.fakes.telegram_server import Call, FakeTelegram, TgChat, TgUser
from tests.helpers import HashEmbeddings

CAROL = TgUser(1003, "Carol", "carol_ls", "de")  # manager of lifescience by her profile
DAN = TgUser(1004, "Dan", "dan_nobody", "en")  # no profile

# Two clusters on each side of the requests (aviation and logistics ask; lifescience and maritime
# answer), one perfect fit without consent (lo-01), one member without a Telegram username (ls-02).
MEMBERS = """\
id,name,organization,cluster,role_title,expertise,offers,needs,languages,telegram_username,email,consent_contact,bot_role
av-01,Alice Albers,Kabinenwerk Nord,aviation,Leiterin Kabine,Kabinensensorik,Prüfstände für Kabinenelektronik,Testumgebung für Kabinensensorik mit Probanden,de,alice,alice.albers@example.org,true,
av-02,Anton Adler,Kabinenwerk Nord,aviation,Ingenieur,Kabinensensorik,Testumgebung für Kabinensensorik im Mock-up,,de,anton_adler,anton.adler@example.org,true,
ls-01,Bob Berger,Klinikum Testfeld,lifescience,Head of Trials,clinical trials,Testumgebung für Kabinensensorik mit Probanden; clinical test beds for cabin sensors,Prüfstände für Medizintechnik,en;de,bob_hh,bob.berger@example.org,true,
ls-02,Clara Claussen,BioSens GmbH,lifescience,Forscherin,Vitaldaten,Testumgebung für Kabinensensorik und Vitaldaten,Partner für Kabinenelektronik,de,,clara.claussen@example.org,true,
ls-03,Carola Kern,Life Science Nord,lifescience,Clustermanagerin,Netzwerk,Vernetzung in der Life Science,,de,carol_ls,carola.kern@example.org,true,manager
lo-01,Lars Lorenz,Hafenlogistik AG,logistics,Leiter,Kabinensensorik,Testumgebung für Kabinensensorik mit Probanden,,de,lars_l,lars.lorenz@example.org,false,
ma-01,Mia Meyer,Hafendrohnen GmbH,maritime,Pilotin,Drohnen,Drohnen-Zulassung im Hafen und Drohnenflüge,,de;en,mia_meyer,mia.meyer@example.org,true,
"""
EMAILS = ("example.org", "@example")
REQUEST = "/contacts Testumgebung für Kabinensensorik"


@dataclass
class ContactsBot:
    """A bot with a ContactDesk over the members above, and its state."""

    harness: BotHarness
    settings: Settings
    store: StateStore
    desk: ContactDesk
    members: Path
    app: Application[Any, Any, Any, Any, Any, Any] | None = None

    @property
    def fake(self) -> FakeTelegram:
        return self.harness.fake

    async def start(self, **options: Any) -> Application[Any, Any, Any, Any, Any, Any]:
        self.app = await self.harness.start(
            store=self.store, settings=self.settings, contact_desk=self.desk, **options
        )
        return self.app

    async def reimport(self) -> MemberReport:
        return await ingest_members(self.store, self.desk.index, self.members)

    async def say(self, user: TgUser, text: str, wait: float = 15.0) -> Call:
        """Send `text`, wait for the first message back to the user's chat."""
        return await self.harness.reply(user, text, wait=wait)

    async def exchange(self, user: TgUser, text: str, wait: float = 20.0) -> list[str]:
        """Send `text`; every text sent or edited into the user's chat until the bot is quiet."""
        chat = TgChat.private(user)
        mark = self.fake.mark()
        self.fake.send_text(user, text, chat)
        await self.fake.wait_for(("sendMessage", "editMessageText"), lambda c: _to(c, user), wait, mark)
        await self.fake.wait_quiet(0.8)
        return [c.text for c in self.fake.calls[mark:] if c.method in ("sendMessage", "editMessageText")]

    async def press(self, user: TgUser, call: Call, data: str) -> int:
        """Press the button with `data` under the bot's message `call`; returns the mark before."""
        chat_id = int(call.params["chat_id"])
        message = self.fake.messages[(chat_id, call.result["message_id"])]
        mark = self.fake.mark()
        self.fake.press_button(user, message, data)
        return mark

    async def next_to(self, user: TgUser, mark: int, wait: float = 15.0) -> Call:
        """The next message to the user's chat after `mark`."""
        return await self.fake.wait_for("sendMessage", lambda c: _to(c, user), wait, mark)

    async def alert(self, mark: int) -> str:
        """The text of the next answered callback query after `mark`."""
        call = await self.fake.wait_for("answerCallbackQuery", lambda c: bool(c.params.get("text")), 10, mark)
        return str(call.params["text"])


def _to(call: Call, user: TgUser) -> bool:
    return int(call.params.get("chat_id", 0)) == user.id and not call.error


def buttons(call: Call) -> list[tuple[str, str]]:
    """(label, data) of every inline button under a message."""
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


def button_for(call: Call, label_part: str) -> str:
    """The data of the button whose label contains `label_part`."""
    found = [data for label, data in buttons(call) if label_part in label]
    assert found, (label_part, buttons(call))
    return found[0]


async def contacts_bot_for(
    harness: BotHarness, base: Settings, tmp_path: Path, **values: Any
) -> AsyncIterator[ContactsBot]:
    """A ContactsBot on a private copy of the index (hash embeddings) and a fresh state."""
    settings = bot_settings(base, harness.fake, **values)
    store = await harness.open_store()
    cache = EmbeddingCache(settings.data_dir / "embeddings.sqlite3")
    index = ProfileIndex(chroma_client(settings), CachedEmbeddings(HashEmbeddings(), "test-hash", cache))
    members = tmp_path / "members.csv"
    members.write_text(MEMBERS, encoding="utf-8")
    report = await ingest_members(store, index, members)
    assert report.added == 7 and not report.failed, report
    yield ContactsBot(harness, settings, store, ContactDesk(settings, store, index), members)
