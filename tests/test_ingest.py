"""End-to-end ingest through the real CLI: parse -> extract -> rdf -> validate -> store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kgraph.config import CORPUS_DIR, Settings
from kgraph.store.embedded import EmbeddedStore

KGRAPH = [sys.executable, "-m", "kgraph.cli"]
REPORT = "crps-outpatient-ketamine-rct"


def run(args, data_dir: Path, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, KGRAPH_DATA_DIR=str(data_dir))
    return subprocess.run(KGRAPH + args, capture_output=True, text=True, env=env, timeout=600, **kw)


def doc_counts(data_dir: Path) -> dict[str, int]:
    with EmbeddedStore(settings=Settings(data_dir=data_dir), read_only=True) as store:
        return {info.key: (info.triples, info.sha256) for info in store.documents()}


@pytest.fixture()
def batch(tmp_path: Path) -> Path:
    """Two real corpus reports, an empty file, a fake PDF and a non-UTF-8 text."""
    folder = tmp_path / "papers"
    folder.mkdir()
    for stem in (REPORT, "phn-ketamine-magnesium-alternate-days"):
        shutil.copy(CORPUS_DIR / f"{stem}.txt", folder / f"{stem}.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "not-a-pdf.pdf").write_text("this is plain text with a .pdf name")
    (folder / "latin1.txt").write_bytes("Ketamin f\xfcr Schmerzen".encode("latin-1") + b"\xff\xfe\x00")
    return folder


def test_one_bad_document_never_stops_a_batch(batch: Path, tmp_path: Path):
    data = tmp_path / "data"
    result = run(["ingest", str(batch), "--json"], data)
    assert result.returncode == 1, result.stderr  # failures are reported by a non-zero exit
    summary = json.loads(result.stdout)
    by_name = {Path(o["path"]).name: o for o in summary["outcomes"]}
    assert by_name[f"{REPORT}.txt"]["status"] == "ingested"
    assert by_name["phn-ketamine-magnesium-alternate-days.txt"]["status"] == "ingested"
    assert by_name["empty.txt"]["status"] == "failed"
    assert "empty.txt" in by_name["empty.txt"]["error"]
    assert by_name["not-a-pdf.pdf"]["status"] == "failed"
    assert "not a PDF" in by_name["not-a-pdf.pdf"]["error"]
    assert summary["documents"]["ingested"] == 2
    assert summary["facts"].get("Protocol", 0) >= 2
    # the two good documents are in the store, nothing of the bad ones
    assert len(doc_counts(data)) == 2


def test_reingest_is_skipped_and_changes_nothing(tmp_path: Path):
    data = tmp_path / "data"
    paper = tmp_path / f"{REPORT}.txt"
    shutil.copy(CORPUS_DIR / f"{REPORT}.txt", paper)
    first = run(["ingest", str(paper), "--json"], data)
    assert first.returncode == 0, first.stderr
    before = doc_counts(data)
    second = run(["ingest", str(paper), "--json"], data)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["documents"]["unchanged"] == 1
    forced = run(["ingest", str(paper), "--json", "--force"], data)
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["documents"]["unchanged"] == 1  # same triples: nothing rewritten
    assert doc_counts(data) == before


def test_changed_paper_replaces_its_graph_only(tmp_path: Path):
    data = tmp_path / "data"
    paper = tmp_path / f"{REPORT}.txt"
    other = tmp_path / "phn.txt"
    shutil.copy(CORPUS_DIR / f"{REPORT}.txt", paper)
    shutil.copy(CORPUS_DIR / "phn-ketamine-magnesium-alternate-days.txt", other)
    assert run(["ingest", str(paper), str(other)], data).returncode == 0
    before = doc_counts(data)
    text = paper.read_text(encoding="utf-8")
    # a corrected version of the same paper: one more sentence about a side effect
    paper.write_text(text + "\nTwo patients reported vivid dreams during the infusion.\n", encoding="utf-8")
    result = run(["ingest", str(paper), str(other), "--json"], data)
    assert result.returncode == 0, result.stderr
    statuses = sorted(o["status"] for o in json.loads(result.stdout)["outcomes"])
    assert statuses == ["ingested", "unchanged"]
    after = doc_counts(data)
    assert set(after) == set(before)  # replaced, not duplicated
    changed = [k for k in after if after[k] != before[k]]
    assert len(changed) == 1


def test_text_and_pdf_of_one_paper_are_one_document(tmp_path: Path):
    data = tmp_path / "data"
    result = run(["ingest", str(CORPUS_DIR / f"{REPORT}.txt"), str(CORPUS_DIR / "pdf" / f"{REPORT}.pdf"),
                  "--json"], data)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["documents"]["ingested"] == 1
    assert summary["documents"]["duplicate"] == 1
    assert len(doc_counts(data)) == 1


def test_missing_path_is_one_line_error(tmp_path: Path):
    result = run(["ingest", str(tmp_path / "nowhere")], tmp_path / "data")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr
