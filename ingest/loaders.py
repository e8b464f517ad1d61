"""Read documents (.txt, .md, .html, .pdf, .docx) into plain text with a title and an optional link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import DocumentError

SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"})
_HEADER = re.compile(r"^(Title|Source|Titel|Quelle):[ \t]*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class LoadedDocument:
    """A document's text, title and link."""

    text: str
    title: str
    url: str | None = None


def load_document(path: Path, max_bytes: int) -> LoadedDocument:
    """Read one file; raise DocumentError with a clear reason when it cannot be used."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(f"unsupported file type {suffix or '(none)'}")
    size = path.stat().st_size
    if size == 0:
        raise DocumentError("the file is empty")
    if size > max_bytes:
        raise DocumentError(f"the file is too large ({size / 1e6:.1f} MB, limit {max_bytes / 1e6:.1f} MB)")
    if suffix in {".txt", ".md"}:
        document = _load_text(path)
    elif suffix in {".html", ".htm"}:
        document = _load_html(path)
    elif suffix == ".pdf":
        document = _load_pdf(path)
    else:
        document = _load_docx(path)
    if not document.text.strip():
        raise DocumentError("no text could be extracted")
    return document


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise DocumentError("the file is binary, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from exc


def _default_title(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ").strip().capitalize() or path.name


def _load_text(path: Path) -> LoadedDocument:
    lines = _decode(path).replace("\r\n", "\n").split("\n")
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
    if title is None and path.suffix.lower() == ".md":
        heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        title = heading.group(1).strip() if heading else None
    return LoadedDocument(text=body, title=title or _default_title(path), url=url)


def _load_html(path: Path) -> LoadedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(path), "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    if not title and (h1 := soup.find("h1")):
        title = h1.get_text(strip=True)
    canonical = soup.find("link", rel="canonical")
    url = str(canonical.get("href")) if canonical and canonical.get("href") else None
    text = soup.get_text("\n")
    text = re.sub(r"\n\s*\n+", "\n\n", text).strip()
    return LoadedDocument(text=text, title=title or _default_title(path), url=url)


def _load_pdf(path: Path) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise DocumentError("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or ""
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise DocumentError(f"not a readable PDF: {exc}") from exc
    return LoadedDocument(text="\n\n".join(pages).strip(), title=title.strip() or _default_title(path))


def _load_docx(path: Path) -> LoadedDocument:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise DocumentError(f"not a readable .docx file: {exc}") from exc
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    title = document.core_properties.title or ""
    return LoadedDocument(text="\n\n".join(paragraphs), title=title.strip() or _default_title(path))
