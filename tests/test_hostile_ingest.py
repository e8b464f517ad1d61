"""Hostile and careless input to ingestion: every fixture is built at test time in tmp_path.

Symlinks out of the folder and loops, malformed and bomb .docx files, a sparse huge file, an empty
folder, names that try to forge output, a document longer than one Chroma batch, and a seeded
fuzz run over mutated .docx, .pdf and .html files: each file is indexed or reported, the run goes
on.
"""

from __future__ import annotations

import builtins
import io
import logging
import os
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest

import ingest.pipeline
from ingest import loaders
from ingest.pipeline import FailedFile, IngestReport, refuse_prune, run_ingest, scan, shown
from knowledge.config import Settings
from knowledge.errors import ClusterBridgeError, DocumentError, PruneRefusedError
from knowledge.index import VectorIndex
from tests.helpers import hash_index, settings_for
from tests.test_loaders import minimal_pdf

TEXT = "Der Hafen Hamburg arbeitet mit dem Cluster Logistik an Wasserstoff. "


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path / "data")


@pytest.fixture
def index(settings: Settings) -> VectorIndex:
    return hash_index(settings)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "hafen.txt").write_text(TEXT * 3, encoding="utf-8")
    return folder


def failures(report: IngestReport) -> dict[str, str]:
    return {failed.source: failed.reason for failed in report.failed}


def docx_bytes(*paragraphs: str, title: str = "") -> bytes:
    word = docx.Document()
    word.core_properties.title = title
    for text in paragraphs:
        word.add_paragraph(text)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def rezip(data: bytes, change: dict[str, bytes]) -> bytes:
    """The archive with some parts replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zipped,
    ):
        for info in source.infolist():
            zipped.writestr(info.filename, change.get(info.filename, source.read(info.filename)))
    return out.getvalue()


# --- 1. symlinks ---------------------------------------------------------------------------------


def test_symlinks_out_of_the_folder_are_reported_and_never_read(
    tmp_path: Path, docs: Path, settings: Settings, index: VectorIndex
) -> None:
    secret_dir = tmp_path / "outside"
    secret_dir.mkdir()
    (secret_dir / "passwd.txt").write_text("root:x:0:0:root:/root:/bin/bash geheim", encoding="utf-8")
    (docs / "passwd.txt").symlink_to(secret_dir / "passwd.txt")
    (docs / "etc").symlink_to(secret_dir, target_is_directory=True)
    (docs / "relative.md").symlink_to(Path("..") / "outside" / "passwd.txt")

    report = run_ingest(settings, docs, index=index)

    assert failures(report) == {
        "etc": "a symbolic link to a path outside the documents folder; not followed",
        "passwd.txt": "a symbolic link to a path outside the documents folder; not followed",
        "relative.md": "a symbolic link to a path outside the documents folder; not followed",
    }
    assert index.sources() == {"hafen.txt"}
    assert not any("geheim" in chunk.text for chunk in index.iter_chunks())


def test_links_inside_the_folder_are_followed_and_each_file_is_indexed_once(
    docs: Path, settings: Settings, index: VectorIndex
) -> None:
    (docs / "alias.txt").symlink_to("hafen.txt")  # a second name for an indexed file
    archive = docs / ".archiv"  # hidden: reached only through the link below
    archive.mkdir()
    (archive / "bericht.md").write_text("# Bericht\n\nDer Bericht über Kabinen.", encoding="utf-8")
    (docs / "archiv").symlink_to(archive, target_is_directory=True)
    (docs / "archiv-zwei").symlink_to(archive, target_is_directory=True)  # the same folder again
    (docs / "sub").mkdir()
    (docs / "sub" / "hafen-link.txt").symlink_to(docs / "hafen.txt")

    found = scan(docs)
    assert [source for source, _ in found.files] == ["archiv/bericht.md", "hafen.txt"]
    assert found.problems == []
    report = run_ingest(settings, docs, index=index)
    assert (report.added, report.failed) == (2, [])
    assert index.sources() == {"archiv/bericht.md", "hafen.txt"}


def test_symlink_loops_and_broken_links_are_reported(
    docs: Path, settings: Settings, index: VectorIndex
) -> None:
    (docs / "self.txt").symlink_to("self.txt")
    (docs / "a").symlink_to("b")
    (docs / "b").symlink_to("a")
    (docs / "sub").mkdir()
    (docs / "sub" / "up").symlink_to("..", target_is_directory=True)
    (docs / "sub" / "notiz.md").write_text("Eine Notiz über Drohnen.", encoding="utf-8")
    (docs / "gone.pdf").symlink_to("nowhere.pdf")

    report = run_ingest(settings, docs, index=index)

    assert failures(report) == {
        "a": "a symbolic link loop; not followed",
        "b": "a symbolic link loop; not followed",
        "gone.pdf": "a symbolic link whose target does not exist",
        "self.txt": "a symbolic link loop; not followed",
        "sub/up": "a symbolic link loop; not followed",
    }
    assert index.sources() == {"hafen.txt", "sub/notiz.md"}


def test_a_folder_that_cannot_be_listed_is_reported_and_keeps_its_documents(
    docs: Path, settings: Settings, index: VectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    (docs / "sub").mkdir()
    (docs / "sub" / "notiz.md").write_text("Eine Notiz über Drohnen.", encoding="utf-8")
    run_ingest(settings, docs, index=index)
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if os.fspath(path).endswith("sub"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = run_ingest(settings, docs, index=index)
    assert failures(report) == {"sub": "cannot list this folder: Permission denied"}
    assert report.removed == 0 and index.sources() == {"hafen.txt", "sub/notiz.md"}


def test_a_pipe_is_reported_not_waited_for(docs: Path, settings: Settings, index: VectorIndex) -> None:
    os.mkfifo(docs / "pipe.txt")
    report = run_ingest(settings, docs, index=index)
    assert failures(report) == {"pipe.txt": "not a regular file (a device, pipe or socket)"}


# --- 2. whatever a loader raises -------------------------------------------------------------------


def test_malformed_docx_is_reported_and_the_run_goes_on(
    docs: Path, settings: Settings, index: VectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    (docs / "weg.txt").write_text("Dieser Text wird gelöscht.", encoding="utf-8")
    (docs / "gut.docx").write_bytes(docx_bytes("Ein Absatz über Kabinen."))
    assert run_ingest(settings, docs, index=index).added == 3

    (docs / "weg.txt").unlink()
    (docs / "a-kaputt.docx").write_bytes(rezip(docx_bytes("x"), {"[Content_Types].xml": b"<Types><oops"}))
    (docs / "gut.docx").write_bytes(rezip(docx_bytes("Neu"), {"word/document.xml": b"<w:document"}))
    (docs / "z-neu.txt").write_text("Ein neuer Text nach der kaputten Datei.", encoding="utf-8")
    report = run_ingest(settings, docs, index=index)

    reasons = failures(report)
    assert set(reasons) == {"a-kaputt.docx", "gut.docx"}
    assert reasons["a-kaputt.docx"].startswith("not a readable .docx file: XMLSyntaxError")
    assert (report.added, report.removed) == (1, 1)  # later files indexed, removed files gone
    assert index.sources() == {"gut.docx", "hafen.txt", "z-neu.txt"}  # the old gut.docx keeps serving

    # The rejection is remembered: the next run reports the same without reading the files again.
    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("a remembered rejection was read again")

    monkeypatch.setattr(ingest.pipeline, "open_checked", unread)
    again = run_ingest(settings, docs, index=index)
    assert failures(again) == reasons
    monkeypatch.undo()

    # A fixed file is read again and indexed.
    (docs / "a-kaputt.docx").write_bytes(docx_bytes("Repariert."))
    fixed = run_ingest(settings, docs, index=index)
    assert set(failures(fixed)) == {"gut.docx"} and fixed.added == 1


def test_any_exception_of_a_parser_is_one_files_report(
    docs: Path, settings: Settings, index: VectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    (docs / "seite.html").write_text("<p>Hallo</p>", encoding="utf-8")

    def explode(data: bytes, name: str) -> loaders.LoadedDocument:
        raise TypeError("a library bug")

    monkeypatch.setattr(loaders, "_load_html", explode)
    report = run_ingest(settings, docs, index=index)
    assert failures(report) == {"seite.html": "not a readable .html file: TypeError: a library bug"}
    assert report.added == 1


# --- 3. bombs, long texts and long documents ----------------------------------------------------


def test_docx_decompression_bomb_is_refused_against_a_lowered_cap(
    docs: Path, settings: Settings, index: VectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders, "MAX_UNZIPPED_BYTES", 1024 * 1024)
    paragraph = b"<w:p><w:r><w:t>" + b"A" * 1000 + b"</w:t></w:r></w:p>"
    plain = docx_bytes("x")
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        xml = archive.read("word/document.xml")
    head, tail = xml.split(b"<w:body>")
    bomb = rezip(plain, {"word/document.xml": head + b"<w:body>" + paragraph * 3000 + tail})
    assert len(bomb) < 100_000
    (docs / "bomb.docx").write_bytes(bomb)

    report = run_ingest(settings, docs, index=index)
    assert failures(report) == {
        "bomb.docx": "the .docx file unpacks to more than 1.0 MB (a decompression bomb?)"
    }


def test_docx_whose_headers_lie_about_sizes_is_refused() -> None:
    data = bytearray(rezip(docx_bytes("x"), {"word/document.xml": b"<w:document>" + b"B" * 500_000}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    # The central directory declares word/document.xml to unpack to 100 bytes; it inflates to 500 kB.
    patched = 0
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        name_length = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + name_length] == info.filename.encode():
            data[start + 24 : start + 28] = (100).to_bytes(4, "little")
            patched += 1
        start += 4
    assert patched == 1
    with pytest.raises(DocumentError, match=r"not a readable \.docx file"):
        loaders.parse_document(bytes(data), "liar.docx")


@pytest.mark.parametrize("kind", ["txt", "pdf", "docx", "html"])
def test_text_longer_than_the_cap_is_refused(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "MAX_TEXT_CHARS", 30)
    text = "Cluster Bruecken in Hamburg und Kiel bauen"
    data = {
        "txt": text.encode(),
        "pdf": minimal_pdf(text),
        "docx": docx_bytes(text),
        "html": f"<p>{text}</p>".encode(),
    }[kind]
    with pytest.raises(DocumentError, match="too much text"):
        loaders.parse_document(data, f"lang.{kind}")


def test_a_document_longer_than_one_store_batch_is_written_in_batches(
    docs: Path, settings: Settings, index: VectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index.client, "get_max_batch_size", lambda: 7)
    batches: list[int] = []
    add_texts = index.vectorstore.add_texts

    def counted(texts: list[str], *args: Any, **kwargs: Any) -> list[str]:
        batches.append(len(texts))
        return add_texts(texts, *args, **kwargs)

    monkeypatch.setattr(index.vectorstore, "add_texts", counted)
    sentences = [f"Satz Nummer {n} handelt vom Thema {n * 7} im Hafen Hamburg und mehr." for n in range(400)]
    (docs / "lang.txt").write_text(" ".join(sentences), encoding="utf-8")
    report = run_ingest(settings, docs, index=index)
    assert report.failed == [] and report.chunks > 20
    assert index.count() == report.chunks
    assert max(batches) == 7 and sum(batches) == report.chunks

    (docs / "lang.txt").write_text(" ".join(sentences[:10]), encoding="utf-8")  # stale passages leave
    run_ingest(settings, docs, index=index)
    assert len(index.ids_where({"source": "lang.txt"})) < 7


# --- 4. the size before anything is read ----------------------------------------------------------


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every path opened through os.open or open() while the test runs."""
    paths: list[str] = []
    real_os_open, real_open = os.open, builtins.open

    def os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        paths.append(os.fsdecode(path))
        return real_os_open(path, *args, **kwargs)

    def open_(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | bytes | os.PathLike):
            paths.append(os.fsdecode(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)
    yield paths


def test_sparse_huge_file_is_refused_by_its_size_without_being_read(
    docs: Path, settings: Settings, index: VectorIndex, opened: list[str]
) -> None:
    huge = docs / "riesig.txt"
    with huge.open("wb") as handle:
        handle.truncate(3 * 1024**3)  # 3 GB of holes: nothing on disk
    opened.clear()
    for _ in range(2):  # and again on the next run
        report = run_ingest(settings, docs, index=index)
        assert failures(report) == {"riesig.txt": "the file is too large (3072.0 MB, limit 20.0 MB)"}
        assert index.sources() == {"hafen.txt"}
    assert not [path for path in opened if path.endswith("riesig.txt")]


def test_a_file_that_grows_after_the_size_check_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "wachsend.txt"
    path.write_bytes(b"x" * 100)
    handle, _ = loaders.open_checked(path, 200)
    with handle:
        path.write_bytes(b"x" * 300)
        with pytest.raises(DocumentError, match="too large"):
            loaders.read_limited(handle, 200)


def test_changed_times_with_the_same_content_are_hashed_in_blocks(
    docs: Path, settings: Settings, index: VectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_ingest(settings, docs, index=index)
    os.utime(docs / "hafen.txt", ns=(1, 1))
    monkeypatch.setattr(loaders, "READ_BLOCK", 16)
    monkeypatch.setattr(ingest.pipeline, "parse_document", None)  # unchanged content is never parsed
    report = run_ingest(settings, docs, index=index)
    assert (report.unchanged, report.failed) == (1, [])


# --- 5. a run that would empty the index ----------------------------------------------------------


def test_an_empty_folder_refuses_to_prune_unless_told(
    tmp_path: Path, docs: Path, settings: Settings, index: VectorIndex
) -> None:
    (docs / "zwei.md").write_text("Zweiter Text über Kabinen.", encoding="utf-8")
    run_ingest(settings, docs, index=index)
    before = index.count()
    empty = tmp_path / "leer"
    empty.mkdir()

    with pytest.raises(PruneRefusedError) as refused:
        run_ingest(settings, empty, index=index)
    message = str(refused.value)
    assert "remove 2 of the 2 indexed documents" in message
    assert str(empty) in message and "--prune" in message
    assert index.count() == before

    with pytest.raises(ClusterBridgeError, match="documents folder not found"):
        run_ingest(settings, tmp_path / "fehlt", index=index, prune=True)

    report = run_ingest(settings, empty, index=index, prune=True)
    assert report.removed == 2 and index.count() == 0
    assert run_ingest(settings, empty, index=index).removed == 0  # empty folder, empty index: fine


@pytest.mark.parametrize(
    ("removing", "indexed", "refused"),
    [(0, 0, False), (1, 1, True), (4, 4, True), (3, 8, False), (5, 9, False), (6, 10, True), (6, 20, False)],
)
def test_most_of_the_index_means_over_half_and_over_a_handful(
    removing: int, indexed: int, refused: bool
) -> None:
    if refused:
        with pytest.raises(PruneRefusedError, match=f"remove {removing} of the {indexed}"):
            refuse_prune(Path("/docs"), removing, indexed)
    else:
        refuse_prune(Path("/docs"), removing, indexed)


# --- 6. output that could be forged ---------------------------------------------------------------


def test_shown_escapes_what_could_forge_a_line() -> None:
    assert shown("bericht 2024 (final).pdf") == "bericht 2024 (final).pdf"
    assert shown("Übersicht-Häfen.md") == "Übersicht-Häfen.md"
    assert shown("evil\nclusterbridge: skipped FAKE.txt") == "evil\\nclusterbridge: skipped FAKE.txt"
    assert shown("a\rb\tc\x1b[31md\x7f") == "a\\rb\\tc\\x1b[31md\\x7f"
    assert shown("rechnung\u202efdp.exe") == "rechnung\\u202efdp.exe"
    assert shown("bad\udcff.txt") == "bad\\udcff.txt"
    assert shown("back\\nslash") == "back\\\\nslash"  # a real backslash cannot pass for an escape


def test_names_that_forge_lines_are_reported_once_and_escaped(
    docs: Path, settings: Settings, index: VectorIndex, caplog: pytest.LogCaptureFixture
) -> None:
    forged = "evil\nclusterbridge: skipped FAKE.txt: forged\x1b[2K.pdf"
    (docs / forged).write_bytes(b"not a pdf")
    os.close(os.open(os.fsencode(docs) + b"/latin\xff.txt", os.O_CREAT | os.O_WRONLY))

    with caplog.at_level(logging.INFO, logger="ingest"):
        report = run_ingest(settings, docs, index=index)

    assert len(report.failed) == 2
    lines = sorted(failed.line() for failed in report.failed)
    assert all("\n" not in line and "\x1b" not in line for line in lines)
    assert lines[0].startswith(
        "skipped evil\\nclusterbridge: skipped FAKE.txt: forged\\x1b[2K.pdf: not a readable PDF"
    )
    assert lines[1] == "skipped latin\ufffd.txt: the name is not valid UTF-8; rename the file"
    assert report.model_dump_json()  # a name that is not UTF-8 does not break the JSON report
    assert not [r for r in caplog.records if r.name.startswith("ingest") and r.levelno >= logging.WARNING]


def test_reasons_are_one_bounded_line() -> None:
    failed = FailedFile(source="a.pdf", reason="line one\nline two " + "x" * 1000)
    assert "\n" not in failed.reason and len(failed.reason) <= 300
    assert FailedFile.model_validate_json(failed.model_dump_json()) == failed  # escaping is stable


# --- fuzz: mutated .docx, .pdf and .html ------------------------------------------------------------


MARKUP = b"<>/&;#!-=\"' xpdivbody0123456789"


def _mutate(rng: random.Random, data: bytes, alphabet: bytes | None = None) -> bytes:
    """Seeded damage: flipped bytes (from `alphabet` when given), a cut, inserted junk, a repeated slice."""

    def junk(count: int) -> bytes:
        return bytes(rng.choice(alphabet) for _ in range(count)) if alphabet else rng.randbytes(count)

    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        choice = rng.random()
        if choice < 0.5:  # flip bytes
            for _ in range(rng.randint(1, 12)):
                out[rng.randrange(len(out))] = junk(1)[0]
        elif choice < 0.7:  # cut the file
            del out[rng.randrange(1, len(out)) :]
        elif choice < 0.85:  # insert junk
            at = rng.randrange(len(out))
            out[at:at] = junk(rng.randint(1, 64))
        else:  # repeat a slice
            at = rng.randrange(len(out))
            out[at:at] = out[at : at + rng.randint(1, 200)] * rng.randint(2, 20)
    return bytes(out)


def _mutate_docx_part(rng: random.Random, data: bytes) -> bytes:
    """A valid archive around one mutated part: the XML parsers see the damage."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = rng.choice([info.filename for info in archive.infolist() if info.filename.endswith(".xml")])
        part = archive.read(name)
    return rezip(data, {name: _mutate(rng, part, MARKUP if rng.random() < 0.7 else None)})


def test_fuzzed_documents_are_each_indexed_or_reported(
    docs: Path, settings: Settings, index: VectorIndex
) -> None:
    rng = random.Random(20240607)
    valid = {
        "docx": docx_bytes("Erster Absatz über Wasserstoff im Hafen.", "Zweiter Absatz.", title="Bericht"),
        "pdf": minimal_pdf("Cluster Bruecken in Hamburg"),
        "html": (
            b"<html><head><title>Logistik</title></head><body><h1>Logistik</h1>"
            b"<p>Hafen &amp; Bahn.</p><div><p>Mehr <b>Text</b></p></div></body></html>"
        ),
    }
    names = []
    for number in range(42):
        kind = ("docx", "pdf", "html")[number % 3]
        if kind == "docx" and rng.random() < 0.6:
            data = _mutate_docx_part(rng, valid[kind])
        else:
            data = _mutate(
                rng, valid[kind], MARKUP if rng.random() < (0.7 if kind == "html" else 0.3) else None
            )
        name = f"fuzz-{number:02d}.{kind}"
        (docs / name).write_bytes(data)
        names.append(name)

    report = run_ingest(settings, docs, index=index)

    reported = set(failures(report))
    indexed = index.sources()
    assert all((name in reported) != (name in indexed) for name in names)
    assert report.added == 1 + len([name for name in names if name in indexed])
    assert all(reason for reason in failures(report).values())
    kinds = {name.rsplit(".", 1)[1] for name in reported}
    assert kinds == {"docx", "pdf", "html"}  # the mutations did break files of every kind
    assert any("XMLSyntaxError" in reason for reason in failures(report).values())
