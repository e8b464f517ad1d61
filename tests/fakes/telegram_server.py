"""A fake Telegram Bot API server for end-to-end tests: an aiohttp app on 127.0.0.1 in the test process.

It implements the methods the bot uses (getMe, getUpdates long polling with offsets, sendMessage,
editMessageText, answerCallbackQuery, sendChatAction, setMyCommands, the webhook methods, ...),
records every call (but getUpdates polls that found nothing), assigns message ids and, like Telegram,
rejects invalid HTML, overlong texts and unchanged edits.
Tests inject updates (text, commands, callbacks, stickers, photos, ...) and wait for the bot's calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token_for-the-fake-server"
BOT_USER: dict[str, Any] = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "ClusterBridge",
    "username": "clusterbridge_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MESSAGE_LIMIT = 4096
# Form values that are plain strings; every other value PTB sends is JSON (numbers, lists, dicts).
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "url", "secret_token", "callback_query_id", "action",
        "language_code", "description", "short_description", "name", "query", "data", "ip_address",
        "emoji", "inline_message_id", "business_connection_id",
    }
)  # fmt: skip
ALLOWED_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
     "code", "pre", "blockquote", "tg-emoji"}
)  # fmt: skip
_HTML_TOKEN = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z-]*)((?:\s+[^<>]*)?)>|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);|[<>&]|[^<>&]+"
)


class BadRequest(Exception):
    """What Telegram answers with HTTP 400."""


class Forbidden(Exception):
    """What Telegram answers with HTTP 403 (e.g. the user has blocked the bot)."""


@dataclass(frozen=True)
class TgUser:
    """A Telegram user for injected updates."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "de"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True)
class TgChat:
    """A chat for injected updates: a user's private chat or a group."""

    id: int
    type: str
    title: str | None = None

    @classmethod
    def private(cls, user: TgUser) -> TgChat:
        return cls(user.id, "private")

    @classmethod
    def group(cls, chat_id: int = -1001234567890, title: str = "Cluster Aviation") -> TgChat:
        return cls(chat_id, "supergroup", title)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        return data


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    result: Any = None
    error: str | None = None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(markup: str) -> str:
    """Check Telegram HTML like the Bot API does; return the visible text or raise BadRequest."""
    stack: list[str] = []
    visible: list[str] = []
    for match in _HTML_TOKEN.finditer(markup):
        token = match.group()
        if match.group(2):
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in ALLOWED_TAGS:
                raise BadRequest(f'can\'t parse entities: Unsupported start tag "{name}"')
            if closing:
                if not stack or stack[-1] != name:
                    raise BadRequest(f'can\'t parse entities: Unmatched end tag "{name}"')
                stack.pop()
            else:
                if name == "a" and not re.match(r'^\s+href="[^"]*"\s*$', attrs or ""):
                    raise BadRequest("can't parse entities: a tag needs exactly one href attribute")
                stack.append(name)
        elif match.group(4):
            visible.append(unescape(token))
        elif token in "<>&":
            raise BadRequest(f"can't parse entities: Unexpected character {token!r}; escape it")
        else:
            visible.append(token)
    if stack:
        raise BadRequest(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(visible)


def visible_text(params: dict[str, Any]) -> str:
    """The text the user sees for sendMessage/editMessageText parameters."""
    text = str(params.get("text", ""))
    return parse_html(text) if str(params.get("parse_mode", "")).upper() == "HTML" else text


def decode_form_value(key: str, value: str) -> Any:
    """PTB sends strings as they are and everything else JSON-encoded."""
    if key in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Fault:
    """An injected failure or delay for the next calls of one method."""

    method: str
    status: int | None
    times: int
    delay: float
    retry_after: int | None


class FakeTelegram:
    """The fake Bot API: start it, point the bot's base_url at `base_url`, inject updates, wait for calls."""

    def __init__(self, token: str = TOKEN, bot_user: dict[str, Any] | None = None) -> None:
        self.token = token
        self.bot_user = dict(bot_user or BOT_USER)
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.injected_at: dict[int, float] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.webhook: dict[str, Any] = {"url": ""}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.port = 0
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._callback_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.blocked_by: set[int] = set()  # users who have blocked the bot: messages to them fail
        self._faults: list[Fault] = []
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and the file download

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_API_BASE_URL (PTB appends the token and the method)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._closing = True
        self._new_update.set()  # wake pending long polls so the server shuts down at once
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- HTTP ----------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        params: dict[str, Any] = {k: decode_form_value(k, v) for k, v in request.query.items()}
        if request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                params[key] = decode_form_value(key, value) if isinstance(value, str) else value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        fault = self._take_fault(method)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.status:
            call.error = f"injected {fault.status}"
            self._record(call)
            body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": call.error}
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return web.json_response(body, status=fault.status)
        handler: Callable[[dict[str, Any]], Any] | None = getattr(self, f"api_{method.lower()}", None)
        if handler is None:
            call.error = "Not Found: method not found"
            self._record(call)
            return web.json_response({"ok": False, "error_code": 404, "description": call.error}, status=404)
        try:
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except BadRequest as exc:
            call.error = f"Bad Request: {exc}"
            self._record(call)
            return web.json_response({"ok": False, "error_code": 400, "description": call.error}, status=400)
        except Forbidden as exc:
            call.error = f"Forbidden: {exc}"
            self._record(call)
            return web.json_response({"ok": False, "error_code": 403, "description": call.error}, status=403)
        call.result = result
        if method.lower() != "getupdates" or result:
            self._record(call)
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        """A file's content, as Telegram's file server serves it (`/file/bot<token>/<file_path>`)."""
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404, text="Not Found")
        self._record(Call("download", {"file_id": file_id}))
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    def fail_next(
        self,
        method: str,
        status: int | None = None,
        *,
        times: int = 1,
        delay: float = 0.0,
        retry_after: int | None = None,
    ) -> None:
        """The next `times` calls of `method` answer `status` (e.g. 500, 429 with `retry_after`),
        or, with only `delay`, answer normally after `delay` seconds (a slow Bot API)."""
        self._faults.append(Fault(method.lower(), status, times, delay, retry_after))

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self._faults:
            if fault.method == method.lower() and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._new_call.set()

    # -- Bot API methods -----------------------------------------------------------------------

    def api_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook["url"]:
            raise BadRequest("Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if self.updates:
                return self.updates[:limit]
            remaining = deadline - time.monotonic()
            if self._closing:
                return []
            if remaining <= 0:
                return []
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                return []

    def _check_not_blocked(self, params: dict[str, Any]) -> None:
        if int(params.get("chat_id") or 0) in self.blocked_by:
            raise Forbidden("bot was blocked by the user")

    def api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_not_blocked(params)
        text = str(params.get("text", ""))
        shown = visible_text(params)
        if not shown.strip():
            raise BadRequest("message text is empty")
        if utf16_len(shown) > MESSAGE_LIMIT:
            raise BadRequest("message is too long")
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chats.get(
                chat_id, {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
            ),
            "from": self.bot_user,
            "text": shown,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and (chat_id, reply.get("message_id")) in self.messages:
            message["reply_to_message"] = self.messages[(chat_id, reply["message_id"])]
        self.messages[(chat_id, message["message_id"])] = message | {"html": text}
        return message

    def api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise BadRequest("message to edit not found")
        shown = visible_text(params)
        if utf16_len(shown) > MESSAGE_LIMIT:
            raise BadRequest("MESSAGE_TOO_LONG")
        old = self.messages[key]
        markup = params.get("reply_markup")
        if old["html"] == params.get("text") and old.get("reply_markup") == markup:
            raise BadRequest(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        new = {k: v for k, v in old.items() if k != "reply_markup"} | {"text": shown, "html": params["text"]}
        if markup:
            new["reply_markup"] = markup
        new["edit_date"] = int(time.time())
        self.messages[key] = new
        return {k: v for k, v in new.items() if k != "html"}

    def api_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise BadRequest("message to edit not found")
        self.messages[key] = self.messages[key] | {"reply_markup": params.get("reply_markup")}
        return {k: v for k, v in self.messages[key].items() if k != "html"}

    def api_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_not_blocked(params)
        upload = params.get("document")
        data = upload.file.read() if hasattr(upload, "file") else b""
        params["document_bytes"] = data
        chat_id = int(params["chat_id"])
        name = getattr(upload, "filename", "file")
        document = {"file_id": f"doc-{len(data)}", "file_unique_id": "u", "file_name": name}
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "document": document,
        }

    def api_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise BadRequest("invalid file_id")
        size = len(self.files[file_id])
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": size,
            "file_path": f"documents/{file_id}",
        }

    def api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        return True

    def api_sendchataction(self, params: dict[str, Any]) -> bool:
        self._check_not_blocked(params)
        return True

    def api_setmycommands(self, params: dict[str, Any]) -> bool:
        self.commands[str(params.get("language_code") or "")] = list(params.get("commands") or [])
        return True

    def api_deletemycommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(str(params.get("language_code") or ""), None)
        return True

    def api_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": ""}
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    def api_setwebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": str(params.get("url", "")), "secret_token": params.get("secret_token")}
        return True

    def api_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook["url"], "has_custom_certificate": False, "pending_update_count": 0}

    def api_close(self, params: dict[str, Any]) -> bool:
        return True

    def api_logout(self, params: dict[str, Any]) -> bool:
        return True

    # -- injecting updates ---------------------------------------------------------------------

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (its update_id is assigned here) for getUpdates."""
        update = {"update_id": next(self._update_ids), **update}
        self.injected_at[update["update_id"]] = time.perf_counter()
        self.updates.append(update)
        self._new_update.set()
        return update

    def make_message(
        self,
        user: TgUser,
        chat: TgChat | None = None,
        text: str | None = None,
        reply_to: dict[str, Any] | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        """A message dict (not queued): text gets bot_command and mention entities like Telegram's."""
        chat = chat or TgChat.private(user)
        self.chats[chat.id] = chat.to_dict()
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat.to_dict(),
            "from": user.to_dict(),
            **content,
        }
        if text is not None:
            message["text"] = text
            entities = text_entities(text)
            if entities:
                message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "html"}
        self.messages[(chat.id, message["message_id"])] = message | {"html": text or ""}
        return message

    def send_text(
        self, user: TgUser, text: str, chat: TgChat | None = None, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A user writes `text` (a command when it starts with '/'); returns the update."""
        return self.inject({"message": self.make_message(user, chat, text, reply_to)})

    def send_sticker(self, user: TgUser, chat: TgChat | None = None) -> dict[str, Any]:
        sticker = {"file_id": "sticker-1", "file_unique_id": "s1", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}  # fmt: skip
        return self.inject({"message": self.make_message(user, chat, sticker=sticker)})

    def send_photo(
        self, user: TgUser, chat: TgChat | None = None, caption: str | None = None
    ) -> dict[str, Any]:
        photo = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}]
        extra = {"caption": caption} if caption else {}
        return self.inject({"message": self.make_message(user, chat, photo=photo, **extra)})

    def send_voice(self, user: TgUser, chat: TgChat | None = None) -> dict[str, Any]:
        voice = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3, "mime_type": "audio/ogg"}
        return self.inject({"message": self.make_message(user, chat, voice=voice)})

    def send_document(
        self, user: TgUser, chat: TgChat | None = None, name: str = "cluster.pdf", data: bytes | None = None
    ) -> dict[str, Any]:
        """A user sends a file; with `data`, getFile and the download serve it."""
        document: dict[str, Any] = {"file_id": "doc-1", "file_unique_id": "d1", "file_name": name}
        if data is not None:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = data
            document |= {"file_id": file_id, "file_unique_id": file_id, "file_size": len(data)}
        return self.inject({"message": self.make_message(user, chat, document=document)})

    def press_button(self, user: TgUser, message: dict[str, Any], data: str) -> dict[str, Any]:
        """A user presses an inline button with callback data `data` under the bot's `message`."""
        query = {
            "id": str(next(self._callback_ids)),
            "from": user.to_dict(),
            "chat_instance": f"ci{message['chat']['id']}",
            "data": data,
            "message": {k: v for k, v in message.items() if k != "html"},
        }
        return self.inject({"callback_query": query})

    def webhook_update(self, user: TgUser, text: str, chat: TgChat | None = None) -> dict[str, Any]:
        """An update for POSTing to the bot's webhook (not queued for getUpdates)."""
        return {"update_id": next(self._update_ids), "message": self.make_message(user, chat, text)}

    # -- inspecting calls ----------------------------------------------------------------------

    def calls_to(self, method: str, after: int = 0) -> list[Call]:
        return [c for c in self.calls[after:] if c.method.lower() == method.lower()]

    def mark(self) -> int:
        """The number of calls so far: pass it as `after` to look only at later calls."""
        return len(self.calls)

    async def wait_for(
        self,
        method: str | tuple[str, ...],
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
        after: int = 0,
    ) -> Call:
        """The first call to `method` (or one of several) after index `after` matching `predicate`.

        Waits up to `timeout` seconds, then fails with the calls recorded meanwhile.
        """
        methods = {m.lower() for m in ((method,) if isinstance(method, str) else method)}
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls[after:]:
                if call.method.lower() in methods and (predicate is None or predicate(call)):
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recorded = [
                    (c.method, c.params.get("chat_id"), c.text[:60], c.error) for c in self.calls[after:]
                ]
                recorded = recorded[-20:]  # the latest calls are the telling ones
                raise AssertionError(f"no {method} call within {timeout} s; calls: {recorded}")
            self._new_call.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_call.wait(), remaining)

    async def wait_quiet(self, seconds: float = 0.5) -> None:
        """Wait until the bot has made no call for `seconds` (to assert that nothing was sent)."""
        while True:
            count = len(self.calls)
            await asyncio.sleep(seconds)
            if len(self.calls) == count:
                return

    def replies_to(self, chat_id: int, after: int = 0) -> list[Call]:
        """Successful sendMessage calls to a chat."""
        return [
            c
            for c in self.calls_to("sendMessage", after)
            if int(c.params["chat_id"]) == chat_id and not c.error
        ]


def text_entities(text: str) -> list[dict[str, Any]]:
    """Entities as Telegram computes them: a leading bot_command, and @mentions (UTF-16 offsets)."""
    entities: list[dict[str, Any]] = []
    command = re.match(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
    for mention in re.finditer(r"(?<![\w@])@[A-Za-z0-9_]{5,32}", text):
        if command and mention.start() < command.end():
            continue
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: mention.start()]),
                "length": utf16_len(mention.group()),
            }
        )
    return entities
