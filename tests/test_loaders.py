"""Reading each supported file type, and clear reasons for files that cannot be used."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import docx
import pytest

from ingest import loaders
from ingest.loaders import load_document
from knowledge.errors import DocumentError

MB = 1024 * 1024


def minimal_pdf(text: str) -> bytes:
    """A valid one-page PDF with `text` in Helvetica (built by hand, with a correct xref table)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_txt_with_title_and_source_headers(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Title: Wasserstoff\nSource: https://example.org/h2\n\nDer Text.", encoding="utf-8")
    document = load_document(path, MB)
    assert (document.title, document.url, document.text) == (
        "Wasserstoff",
        "https://example.org/h2",
        "Der Text.",
    )


def test_md_title_from_heading_and_fallback_from_filename(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Maritime Cluster\n\nInhalt.", encoding="utf-8")
    (tmp_path / "event_notes.txt").write_text("Nur Inhalt.", encoding="utf-8")
    assert load_document(tmp_path / "a.md", MB).title == "Maritime Cluster"
    assert load_document(tmp_path / "event_notes.txt", MB).title == "Event notes"


def test_html_drops_scripts_and_uses_title(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Logistik</title><link rel='canonical' href='https://ex.org/l'>"
        "<script>var x = 1;</script></head><body><h1>Logistik</h1><p>Hafen &amp; Bahn.</p></body></html>",
        encoding="utf-8",
    )
    document = load_document(path, MB)
    assert document.title == "Logistik" and document.url == "https://ex.org/l"
    assert "Hafen & Bahn." in document.text and "var x" not in document.text


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    path = tmp_path / "flyer.pdf"
    path.write_bytes(minimal_pdf("Cluster Bruecken in Hamburg"))
    document = load_document(path, MB)
    assert "Cluster Bruecken in Hamburg" in document.text
    assert document.title == "Flyer"


def test_docx_paragraphs_and_core_title(tmp_path: Path) -> None:
    path = tmp_path / "protokoll.docx"
    word = docx.Document()
    word.core_properties.title = "Protokoll"
    word.add_paragraph("Erster Absatz über Kabinen.")
    word.add_paragraph("Zweiter Absatz.")
    word.save(str(path))
    document = load_document(path, MB)
    assert document.title == "Protokoll"
    assert document.text == "Erster Absatz über Kabinen.\n\nZweiter Absatz."


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("broken.docx", b"PK not a zip", ".docx"),
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02binary", "binary"),
        ("latin1.txt", "Übersicht".encode("latin-1"), "UTF-8"),
        ("blank.md", b"   \n\n  ", "no text"),
    ],
)
def test_unusable_files_raise_a_clear_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=reason):
        load_document(path, MB)


def test_too_large_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("x" * 2000, encoding="utf-8")
    with pytest.raises(DocumentError, match="too large"):
        load_document(path, 1000)


def test_the_name_decides_the_type_and_the_fallback_title(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_text("Nur Inhalt.", encoding="utf-8")
    document = load_document(path, MB, name="hafen_bericht.md")
    assert (document.title, document.text) == ("Hafen bericht", "Nur Inhalt.")
    with pytest.raises(DocumentError, match="unsupported file type"):
        load_document(tmp_path / "missing.exe", MB)  # refused before anything is opened


def test_docx_with_too_many_parts_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "MAX_ZIP_PARTS", 3)
    out = io.BytesIO()
    docx.Document().save(out)
    with pytest.raises(DocumentError, match="too many parts"):
        loaders.parse_document(out.getvalue(), "viele.docx")


def test_a_title_is_one_bounded_line(tmp_path: Path) -> None:
    word = docx.Document()
    word.core_properties.title = "Zeile eins\nZeile\t zwei " + "lang " * 45
    word.add_paragraph("Inhalt.")
    out = io.BytesIO()
    word.save(out)
    title = loaders.parse_document(out.getvalue(), "t.docx").title
    assert title.startswith("Zeile eins Zeile zwei lang") and len(title) <= loaders.MAX_TITLE_CHARS


def test_text_and_title_are_composed_to_one_form_of_each_letter() -> None:
    decomposed = unicodedata.normalize("NFD", "Title: Größe\n\nDie Brücke über die Förde.")
    document = loaders.parse_document(decomposed.encode(), "nfd.txt")
    assert "Brücke über die Förde" in document.text
    assert unicodedata.is_normalized("NFC", document.text) and unicodedata.is_normalized(
        "NFC", document.title
    )
