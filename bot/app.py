"""Build and run the Telegram application: long polling by default, webhook when configured."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot import health, sender
from bot.commands import menu
from bot.context import SERVICE_KEY, service
from bot.handlers import all_commands, register_all
from bot.introductions import expire_introductions
from bot.pacing import BROADCASTING, MessageWindow
from bot.service import BotService
from bot.updates import PerUserUpdateProcessor
from knowledge.access import FloodLimit, FloodLimiter
from knowledge.config import Settings
from knowledge.contact_desk import ContactDesk
from knowledge.errors import ConfigError
from knowledge.locks import serving_index
from knowledge.places import gazetteer
from knowledge.state import StateStore

if TYPE_CHECKING:
    from knowledge.assistant import Assistant

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
READ_TIMEOUT = 20.0
EXPIRY_JOB = "expire_introductions"
EXPIRY_INTERVAL = 3600  # seconds between expiry runs (requests live for days)
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class MessageRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter for messages; chat actions ('typing…') are not messages and skip the queue.

    Telegram's limits (30 messages/s overall, 20/min per group) are about messages; letting the typing
    indicator use up that budget would delay the answers themselves under load. Messages also take a
    slot in `window`, shared with the broadcast sender (bot/pacing.py): replies first; the sender's own
    sends (BROADCASTING) are paced there and skip this queue and its retries (the sender owns their 429s).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window = MessageWindow()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint == "sendChatAction" or BROADCASTING.get():
            return await callback(*args, **kwargs)
        await self.window.take(priority=True)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


def require_token(settings: Settings) -> str:
    """The bot token, or a clear ConfigError when TELEGRAM_BOT_TOKEN is missing."""
    token = settings.telegram_bot_token.get_secret_value().strip() if settings.telegram_bot_token else ""
    if not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token in .env"
        )
    return token


def file_base_url(api_base_url: str) -> str:
    """Where files are downloaded: `.../bot` becomes `.../file/bot` (Telegram's and a self-hosted server's)."""
    base = api_base_url.rstrip("/")
    return (
        f"{base.removesuffix('/bot')}/file/bot"
        if base.endswith("/bot")
        else "https://api.telegram.org/file/bot"
    )


def webhook_secret(settings: Settings) -> str:
    """The webhook's secret token, required in webhook mode and checked for Telegram's alphabet."""
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
    if not secret:
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
    if not _SECRET_TOKEN.match(secret):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET may only contain A-Z, a-z, 0-9, _ and - (1-256 characters)"
        )
    return secret


def build_application(
    settings: Settings,
    assistant: Assistant,
    store: StateStore,
    *,
    flood_limit: FloodLimit | None = None,
    stream_interval: float = 1.0,
    typing_delay: float = 0.3,
    rate_limiter: bool = True,
    read_timeout: float = READ_TIMEOUT,
    contact_desk: ContactDesk | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The configured Application: handlers, error handler, rate limiter, job queue (start_bot does the rest)."""
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(require_token(settings))
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .concurrent_updates(PerUserUpdateProcessor(64))
        # A slow Bot API answer is waited for (and then retried, see bot.delivery) rather than
        # given up after httpx's default 5 s.
        .read_timeout(read_timeout)
        .write_timeout(read_timeout)
    )
    if rate_limiter:
        builder = builder.rate_limiter(MessageRateLimiter(max_retries=3))
    application = builder.build()
    application.bot_data[SERVICE_KEY] = BotService(
        settings=settings,
        assistant=assistant,
        store=store,
        limiter=FloodLimiter(flood_limit or FloodLimit()),
        stream_interval=stream_interval,
        typing_delay=typing_delay,
        contact_desk=contact_desk,
    )
    register_all(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(prune, interval=600, first=600, name="prune")
        application.job_queue.run_repeating(
            expire_introductions, interval=EXPIRY_INTERVAL, first=60, name=EXPIRY_JOB
        )
    sender.install(application, store, settings, application.bot_data[SERVICE_KEY].writing)
    return application


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """setMyCommands: English as the default menu, German for users whose Telegram is in German."""
    try:
        await application.bot.set_my_commands(menu(all_commands(), "en"))
        await application.bot.set_my_commands(menu(all_commands(), "de"), language_code="de")
    except TelegramError:
        logger.warning("could not register the command menu", exc_info=True)


async def prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: forget expired flood windows and cached users."""
    service(context).prune()


async def start_transport(
    application: Application[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    *,
    poll_interval: float = 0.0,
    poll_timeout: int = 10,
) -> str:
    """Start receiving updates: a webhook when TELEGRAM_WEBHOOK_URL is set, else long polling."""
    assert application.updater is not None
    if settings.telegram_webhook_url:
        secret = webhook_secret(settings)
        path = urlparse(settings.telegram_webhook_url).path.strip("/")
        await application.updater.start_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            url_path=path,
            webhook_url=settings.telegram_webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        health.install(application.updater, application.bot_data[SERVICE_KEY])
        logger.info(
            "webhook listening on %s:%s/%s",
            settings.telegram_webhook_listen,
            settings.telegram_webhook_port,
            path,
        )
        return "webhook"
    await application.updater.start_polling(
        poll_interval=poll_interval, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
    )
    logger.info("long polling for updates")
    return "polling"


async def start_bot(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings, *, poll_timeout: int = 10
) -> str:
    """Initialize, register the command menu, start receiving updates and processing them."""
    await application.initialize()
    await register_commands(application)
    mode = await start_transport(application, settings, poll_timeout=poll_timeout)
    await application.start()
    return mode


async def stop_bot(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The reverse of start_bot: stop receiving, finish processing, shut down."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if isinstance(outbox := application.bot_data.get(sender.SENDER_KEY), sender.Sender):
        await outbox.stop()
    if application.running:
        await application.stop()
    found = application.bot_data.get(SERVICE_KEY)
    if isinstance(found, BotService):
        await found.close()
    await application.shutdown()


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Open the assistant and the state store, run the bot until `stop` is set (or SIGINT/SIGTERM)."""
    from knowledge.assistant import Assistant

    require_token(settings)
    if settings.telegram_webhook_url:
        webhook_secret(settings)
    with serving_index(settings):
        await _serve(settings, Assistant.from_settings(settings), stop)


async def warm_up(assistant: Assistant) -> None:
    """Build the BM25 side before the first question (about 11 s at 100,000 chunks), not during it."""
    started = time.monotonic()
    await asyncio.to_thread(gazetteer)  # the place names the evidence checks read (0.3 s)
    try:
        await asyncio.to_thread(assistant.retriever.refresh, True)
    except Exception as exc:  # an unreachable index: the bot starts, and questions will say so
        logger.warning("the index could not be loaded at start: %s", exc)
        return
    logger.info("index loaded in %.1f s", time.monotonic() - started)


async def _serve(settings: Settings, assistant: Assistant, stop: asyncio.Event | None) -> None:
    store = await StateStore.for_settings(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await warm_up(assistant)
        application = build_application(settings, assistant, store)
        try:
            try:
                mode = await start_bot(application, settings)
            except InvalidToken as exc:
                raise ConfigError("TELEGRAM_BOT_TOKEN was rejected by the Telegram Bot API") from exc
            except NetworkError as exc:
                raise ConfigError(
                    f"cannot reach the Telegram Bot API at {settings.telegram_api_base_url} "
                    f"(TELEGRAM_API_BASE_URL): {exc}"
                ) from exc
            logger.info("ClusterBridge bot @%s running (%s)", application.bot.username, mode)
            await stop.wait()
        finally:
            await stop_bot(application)
    finally:
        await store.close()
        for signum in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)


def run_bot(settings: Settings) -> None:
    """`clusterbridge bot`: refuse without a token, then serve until interrupted."""
    require_token(settings)
    if settings.telegram_webhook_url:
        webhook_secret(settings)
    asyncio.run(serve(settings))
