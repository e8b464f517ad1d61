"""Read documents (.txt, .md, .html, .pdf, .docx) into plain text with a title and an optional link.

Nothing here trusts its input: the size is checked (stat) before a byte is read, a .docx archive is
unpacked in bounded steps and refused when it unpacks to more than `MAX_UNZIPPED_BYTES`, and no
format may yield more than `MAX_TEXT_CHARS` characters of text. Whatever a parser raises for a
file becomes a DocumentError with a clear reason. The limits are module constants, so tests can
lower them.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import DocumentError

SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"})
_HEADER = re.compile(r"^(Title|Source|Titel|Quelle):[ \t]*(.*)$", re.IGNORECASE)

MiB = 1024 * 1024
# The most text one document may yield (about 28,000 passages): as much as a 20 MB plain-text file.
MAX_TEXT_CHARS = 20_000_000
# The most a .docx may unpack to, all parts together (text, styles, images), whatever the
# archive's headers claim: a long report's XML takes a few MB; 64 MB of XML already cost the
# parser about 500 MB of memory and half a minute.
MAX_UNZIPPED_BYTES = 64 * MiB
# The most parts a .docx may have (Word writes a few dozen, plus one per image).
MAX_ZIP_PARTS = 5_000
# A title is one line of printable characters (it heads every passage).
MAX_TITLE_CHARS = 200
# Bump when a loader changes in a way that may accept files it used to refuse: remembered
# rejections are then tried again.
LOADER_VERSION = 2
READ_BLOCK = MiB


@dataclass(frozen=True)
class LoadedDocument:
    """A document's text, title and link."""

    text: str
    title: str
    url: str | None = None


def limits_key(max_bytes: int) -> str:
    """The limits a file was judged by: a remembered rejection holds only while they stay the same."""
    return f"v{LOADER_VERSION}:{max_bytes}:{MAX_TEXT_CHARS}:{MAX_UNZIPPED_BYTES}:{MAX_ZIP_PARTS}"


def _mb(size: float) -> str:
    return f"{size / MiB:.1f} MB"


def check_stat(info: os.stat_result, max_bytes: int) -> None:
    """Refuse what the file's metadata already rules out, before anything is read."""
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError("not a regular file (a device, pipe or socket)")
    if info.st_size == 0:
        raise DocumentError("the file is empty")
    if info.st_size > max_bytes:
        raise DocumentError(f"the file is too large ({_mb(info.st_size)}, limit {_mb(max_bytes)})")


def open_checked(path: Path, max_bytes: int) -> tuple[io.BufferedReader, os.stat_result]:
    """Open a regular file for reading without following a final symlink, checked by its size.

    Non-blocking, so a pipe that replaced the file after the scan cannot hang the run.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    handle = os.fdopen(descriptor, "rb")
    try:
        info = os.fstat(handle.fileno())
        check_stat(info, max_bytes)
    except BaseException:
        handle.close()
        raise
    return handle, info


def hash_limited(handle: io.BufferedReader, max_bytes: int) -> str:
    """SHA-256 of the rest of the file, a block at a time, refused past the limit."""
    digest = hashlib.sha256()
    total = 0
    while block := handle.read(READ_BLOCK):
        total += len(block)
        if total > max_bytes:
            raise DocumentError(f"the file is too large (more than {_mb(max_bytes)})")
        digest.update(block)
    return digest.hexdigest()


def read_limited(handle: io.BufferedReader, max_bytes: int) -> bytes:
    """The rest of the file, a block at a time, refused when it grew past the limit since it was checked."""
    blocks = []
    total = 0
    while block := handle.read(READ_BLOCK):
        total += len(block)
        if total > max_bytes:
            raise DocumentError(f"the file is too large (more than {_mb(max_bytes)})")
        blocks.append(block)
    return b"".join(blocks)


def load_document(path: Path, max_bytes: int, *, name: str | None = None) -> LoadedDocument:
    """Read one file; raise DocumentError with a clear reason when it cannot be used.

    `name` (default: the path's name) decides the type and the fallback title.
    """
    name = name or path.name
    _loader_for(name)  # an unsupported type is refused before the file is opened
    handle, _ = open_checked(path, max_bytes)
    with handle:
        data = read_limited(handle, max_bytes)
    return parse_document(data, name)


def parse_document(data: bytes, name: str) -> LoadedDocument:
    """A document from a file's bytes; its type comes from `name`'s suffix.

    Whatever the parser raises is turned into a DocumentError that names the type.
    """
    loader = _loader_for(name)
    if not data:
        raise DocumentError("the file is empty")
    suffix = Path(name).suffix.lower()
    try:
        document = loader(data, name)
    except DocumentError:
        raise
    except RecursionError as exc:
        raise DocumentError(f"not a readable {suffix} file: nested too deeply") from exc
    except MemoryError as exc:
        raise DocumentError(f"not a readable {suffix} file: it needs too much memory") from exc
    except Exception as exc:
        raise DocumentError(f"not a readable {suffix} file: {type(exc).__name__}: {exc}") from exc
    if not document.text.strip():
        raise DocumentError("no text could be extracted")
    _check_text(len(document.text))
    # One form of each letter: an "ü" written as "u" plus a combining mark (macOS, some PDFs) is "ü".
    text = unicodedata.normalize("NFC", document.text)
    title = "".join(
        char for char in unicodedata.normalize("NFC", document.title) if char.isprintable() or char.isspace()
    )
    title = " ".join(title.split())[:MAX_TITLE_CHARS].strip() or _default_title(name)
    return LoadedDocument(text=text, title=title, url=document.url)


def _loader_for(name: str) -> Callable[[bytes, str], LoadedDocument]:
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(f"unsupported file type {suffix or '(none)'}")
    if suffix in {".txt", ".md"}:
        return _load_text
    if suffix in {".html", ".htm"}:
        return _load_html
    return _load_pdf if suffix == ".pdf" else _load_docx


def _check_text(chars: int) -> None:
    if chars > MAX_TEXT_CHARS:
        raise DocumentError(
            f"the file holds too much text (more than {MAX_TEXT_CHARS:,} characters); split it into smaller files"
        )


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise DocumentError("the file is binary, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from exc
    _check_text(len(text))
    return text


def _default_title(name: str) -> str:
    path = Path(name)
    return path.stem.replace("_", " ").replace("-", " ").strip().capitalize() or path.name


def _load_text(data: bytes, name: str) -> LoadedDocument:
    lines = _decode(data).replace("\r\n", "\n").split("\n")
    title, url = None, None
    body_start = 0
    for number, line in enumerate(lines[:5]):
        match = _HEADER.match(line.strip())
        if not match:
            break
        key, value = match.group(1).lower(), match.group(2).strip()
        if key in {"title", "titel"}:
            title = value
        else:
            url = value or None
        body_start = number + 1
    body = "\n".join(lines[body_start:]).strip()
    if title is None and Path(name).suffix.lower() == ".md":
        heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        title = heading.group(1).strip() if heading else None
    return LoadedDocument(text=body, title=title or _default_title(name), url=url)


def _load_html(data: bytes, name: str) -> LoadedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data), "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    if not title and (h1 := soup.find("h1")):
        title = h1.get_text(strip=True)
    canonical = soup.find("link", rel="canonical")
    url = str(canonical.get("href")) if canonical and canonical.get("href") else None
    text = soup.get_text("\n")
    text = re.sub(r"\n\s*\n+", "\n\n", text).strip()
    return LoadedDocument(text=text, title=title or _default_title(name), url=url)


def _load_pdf(data: bytes, name: str) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError("the PDF is encrypted")
        pages: list[str] = []
        chars = 0
        for page in reader.pages:  # page by page: stop as soon as the text is too long
            text = page.extract_text() or ""
            chars += len(text) + 2
            _check_text(chars)
            pages.append(text)
        title = (reader.metadata.title if reader.metadata else None) or ""
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise DocumentError(f"not a readable PDF: {exc}") from exc
    return LoadedDocument(text="\n\n".join(pages).strip(), title=str(title).strip() or _default_title(name))


def _load_docx(data: bytes, name: str) -> LoadedDocument:
    import docx

    document = docx.Document(io.BytesIO(unpack_docx(data)))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    title = document.core_properties.title or ""
    return LoadedDocument(text="\n\n".join(paragraphs), title=title.strip() or _default_title(name))


def unpack_docx(data: bytes) -> bytes:
    """The .docx archive repacked uncompressed, after unpacking it in bounded steps.

    The declared sizes are checked first (each part, then the sum), then every part is inflated a
    block at a time while the real total is counted, so neither a lying header nor a bomb can
    make memory grow past MAX_UNZIPPED_BYTES. The parser then reads the stored copy.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise DocumentError(f"not a readable .docx file: {exc}") from exc
    with archive:
        parts = [info for info in archive.infolist() if not info.is_dir()]
        if len(parts) > MAX_ZIP_PARTS:
            raise DocumentError(
                f"the .docx file has too many parts ({len(parts):,}, limit {MAX_ZIP_PARTS:,})"
            )
        declared = 0
        for info in parts:
            declared += info.file_size
            if info.file_size > MAX_UNZIPPED_BYTES or declared > MAX_UNZIPPED_BYTES:
                raise _bomb()
            if info.compress_type not in {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}:
                raise DocumentError(
                    "not a readable .docx file: a part uses a compression Word does not write"
                )
            if info.flag_bits & 0x1:
                raise DocumentError("the .docx file is encrypted")
        contents: dict[str, bytes] = {}
        total = 0
        try:
            for info in parts:
                blocks = []
                with archive.open(info) as member:
                    while block := member.read(READ_BLOCK):
                        total += len(block)
                        if total > MAX_UNZIPPED_BYTES:
                            raise _bomb()
                        blocks.append(block)
                contents[info.filename] = b"".join(blocks)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError) as exc:
            raise DocumentError(f"not a readable .docx file: {exc}") from exc
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as stored:
        for member_name, content in contents.items():
            stored.writestr(member_name, content)
    return out.getvalue()


def _bomb() -> DocumentError:
    return DocumentError(
        f"the .docx file unpacks to more than {_mb(MAX_UNZIPPED_BYTES)} (a decompression bomb?)"
    )
