"""Bad input: one clear line naming the file, and a batch that goes on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from kgraph.errors import InputError
from kgraph.parse import read_document, read_many
from pdf_fixtures import article, make_encrypted_pdf, make_long_pdf, make_scanned_pdf

KGRAPH = str(Path(sys.executable).with_name("kgraph"))


@pytest.fixture(scope="module")
def good_pdf(tmp_path_factory):
    path, _ = article(str(tmp_path_factory.getbasetemp()), 2)
    return path


def _error(path) -> str:
    with pytest.raises(InputError) as exc:
        read_document(path)
    msg = str(exc.value)
    assert str(path) in msg and "\n" not in msg
    return msg


def test_empty_file(tmp_path):
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    assert "empty" in _error(p)
    q = tmp_path / "blank.txt"
    q.write_text("  \n\n ")
    assert "empty" in _error(q)


def test_truncated_pdf(tmp_path, good_pdf):
    data = Path(good_pdf).read_bytes()
    p = tmp_path / "truncated.pdf"
    p.write_bytes(data[:1500])
    msg = _error(p)
    assert "corrupt" in msg or "truncated" in msg or "no text layer" in msg


def test_corrupt_pdf(tmp_path):
    p = tmp_path / "corrupt.pdf"
    p.write_bytes(b"%PDF-1.7\n" + os.urandom(3000))
    msg = _error(p)
    assert "corrupt" in msg or "no pages" in msg


def test_encrypted_pdf(tmp_path):
    p = tmp_path / "locked.pdf"
    make_encrypted_pdf(p)
    assert "password" in _error(p)


def test_scanned_pdf_without_text_layer(tmp_path):
    p = tmp_path / "scan.pdf"
    make_scanned_pdf(p)
    assert "no text layer" in _error(p)


def test_not_a_pdf_named_pdf(tmp_path):
    p = tmp_path / "notes.pdf"
    p.write_text("just some notes, not a PDF at all\n")
    assert "not a PDF" in _error(p)
    z = tmp_path / "archive.pdf"
    z.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert "not a PDF" in _error(z)


def test_text_that_is_not_utf8(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("Résumé of the trial: 5 µg/kg\n".encode("latin-1"))
    msg = _error(p)
    assert "not UTF-8" in msg and "offset" in msg


def test_utf8_bom_and_utf16_text_are_read(tmp_path):
    p = tmp_path / "bom.txt"
    p.write_bytes("\ufeffTitle of a Note\n\nThe dose was 5 µg/kg.\n".encode("utf-8"))
    assert "5 μg/kg" in read_document(p).text  # micro sign becomes Greek mu
    q = tmp_path / "utf16.txt"
    q.write_bytes("Title of a Note\n\nThe dose was 5 mg.\n".encode("utf-16"))
    assert "The dose was 5 mg." in read_document(q).text


def test_missing_file_and_directory(tmp_path):
    assert "no such file" in _error(tmp_path / "nope.pdf")
    assert "directory" in _error(tmp_path)


def test_batch_goes_on_after_bad_files(tmp_path, good_pdf):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"")
    note = tmp_path / "note.md"
    note.write_text("# A short note\n\nKetamine was given at 0.5 mg/kg.\n")
    results = list(read_many([bad, good_pdf, tmp_path / "missing.txt", note]))
    assert [type(r).__name__ for _, r in results] == ["InputError", "Document", "InputError", "Document"]
    assert results[1][1].tables and results[3][1].media_type == "text/markdown"


def test_sha256_is_of_the_file_bytes(good_pdf):
    import hashlib

    doc = read_document(good_pdf)
    assert doc.sha256 == hashlib.sha256(Path(good_pdf).read_bytes()).hexdigest()
    assert doc.media_type == "application/pdf" and doc.pages == 7


def test_thousand_pages_stream_in_bounded_memory(tmp_path):
    p = tmp_path / "long.pdf"
    make_long_pdf(p, pages=1000)
    tracemalloc.start()
    doc = read_document(p)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert doc.pages == 1000
    assert "LONG DOCUMENT TEST" not in doc.text  # the running head, on every page
    assert doc.text.count("Page 1000 of the long document") == 1
    # Python-side peak: the text and its lines, never all pages' objects at once
    assert peak < 120 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def test_cli_parse_text_and_json(good_pdf):
    out = subprocess.run([KGRAPH, "parse", good_pdf, "--format", "text"], capture_output=True, text=True, check=True).stdout
    assert "=== page 1" in out and "Table 1" in out and "[references/heading] References" in out
    data = json.loads(subprocess.run([KGRAPH, "parse", good_pdf, "--format", "json"], capture_output=True, text=True, check=True).stdout)
    assert data["pages"] == 7 and data["by_page"][0]["page"] == 1
    assert {t["id"] for t in data["tables"]} == {"Table 1", "Table 2"}


def test_cli_parse_bad_file_is_one_line(tmp_path):
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    res = subprocess.run([KGRAPH, "parse", str(p)], capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and str(p) in res.stderr
