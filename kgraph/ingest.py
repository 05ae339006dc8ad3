"""``kgraph ingest``: parse -> extract -> rdf -> validate -> store, one document at a time.

This is the only module that calls every stage in turn; the stages themselves never
reach into each other. Parsing and extraction (the slow, CPU-bound part) may run in
worker processes (``jobs``); writes to the store stay in this process, one
transaction per document, so a failure leaves every other document as it was.

Unchanged files are skipped by content hash: the manifest in the data directory
remembers which document each file's bytes became, including files that turned out
to be another copy of a document already in the batch (the .txt and .pdf of one paper).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from kgraph.config import Settings, get_settings
from kgraph.errors import InputError, KgraphError

SUFFIXES = {".pdf", ".txt", ".md", ".markdown"}
# Folders inside a corpus that hold annotations, not papers.
SKIPPED_FOLDERS = {"gold", "review-gold", ".git", ".kgraph", "__pycache__"}


@dataclass
class DocumentOutcome:
    path: str
    status: str  # ingested | unchanged | duplicate | failed
    doc_key: str | None = None
    graph: str | None = None
    facts: dict[str, int] = field(default_factory=dict)
    triples: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class IngestSummary:
    outcomes: list[DocumentOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[DocumentOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def facts(self) -> Counter:
        total: Counter = Counter()
        for o in self.outcomes:
            total.update(o.facts)
        return total

    def to_dict(self) -> dict:
        return {
            "documents": {s: self.count(s) for s in ("ingested", "unchanged", "duplicate", "failed")},
            "facts": dict(sorted(self.facts().items())),
            "outcomes": [o.__dict__ for o in self.outcomes],
        }


def collect_paths(paths: Iterable[Path]) -> list[Path]:
    """Files given, plus papers found under folders given (sorted, so batches are repeatable)."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_FOLDERS and not d.startswith("."))
                found.extend(Path(root) / f for f in sorted(files)
                             if Path(f).suffix.lower() in SUFFIXES and not _is_folder_notes(f))
        elif p.exists():
            found.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    # Text before PDF for the same stem: the text layer of a generated or converted file
    # is usually the cleaner read, and a stable preference keeps re-runs identical.
    return sorted(dict.fromkeys(found), key=lambda f: (f.suffix.lower() == ".pdf", str(f)))


def _is_folder_notes(name: str) -> bool:
    """README, LICENSE and the like describe a folder of papers; they are not papers."""
    stem = Path(name).stem
    # README.md, SOURCES.md, LICENSE.txt ...: an all-capitals name is a convention for such notes
    return stem.isupper() or stem.upper() in {"README", "LICENSE", "CHANGELOG", "CONTRIBUTING", "NOTES"}


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- the worker: parse + extract + map + validate (no store access) -----------------------

def process_file(path: str) -> dict:
    """Everything up to the store for one file; returns a picklable result, never raises."""
    from kgraph.extract import extract_document
    from kgraph.parse import read_document
    from kgraph.rdf.mapping import frames_to_graph
    from kgraph.rdf.validate import validate_graph

    try:
        doc = read_document(path)
        frames = extract_document(doc)
        gid, graph = frames_to_graph(frames)
        report = validate_graph(graph, document=frames.doc_key)
    except KgraphError as exc:
        return {"path": path, "error": str(exc)}
    except Exception as exc:  # one bad document never stops a batch
        return {"path": path, "error": f"{path}: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"}
    facts = Counter()
    from rdflib.namespace import RDF

    from kgraph.rdf.namespaces import KG

    for cls in graph.objects(None, RDF.type):
        if str(cls).startswith(str(KG)) and cls not in (KG.Document, KG.Evidence, KG.Extractor):
            facts[str(cls)[len(str(KG)):]] += 1
    return {
        "path": path,
        "doc_key": frames.doc_key,
        "graph": str(gid),
        "triples": [(s.n3(), p.n3(), o.n3()) for s, p, o in graph],
        "facts": dict(facts),
        "warnings": list(frames.warnings) + [v.line() for v in report.warnings],
        "violations": [v.line() for v in report.errors],
    }


# --- the manifest: file content hash -> document key ---------------------------------------

class Manifest:
    def __init__(self, path: Path):
        self.path = path
        try:
            self.entries: dict[str, dict] = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            self.entries = {}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".manifest.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self.entries, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


def _parse_triples(rows: list[tuple[str, str, str]]):
    from rdflib.util import from_n3

    return [(from_n3(s), from_n3(p), from_n3(o)) for s, p, o in rows]


def ingest(
    paths: Iterable[Path],
    *,
    jobs: int = 1,
    force: bool = False,
    settings: Settings | None = None,
    on_progress: Callable[[str], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IngestSummary:
    from kgraph.store.embedded import EmbeddedStore

    settings = settings or get_settings()
    files = collect_paths(paths)
    if on_total:
        on_total(len(files))
    summary = IngestSummary()
    manifest = Manifest(settings.data_dir / "manifest.json")
    with EmbeddedStore(settings=settings) as store:
        store.load_system_graphs()
        stored_keys = {info.key for info in store.documents()}
        todo: list[tuple[Path, str]] = []
        for f in files:
            sha = _sha256(f)
            seen = manifest.entries.get(sha)
            if not force and seen and seen.get("doc_key") in stored_keys:
                summary.outcomes.append(DocumentOutcome(str(f), "unchanged", seen["doc_key"]))
                if on_progress:
                    on_progress(str(f))
                continue
            todo.append((f, sha))

        batch_keys: dict[str, str] = {}  # doc key -> file that provided it in this batch
        for result, sha in _run(todo, jobs):
            path = result["path"]
            if "error" in result:
                summary.outcomes.append(DocumentOutcome(path, "failed", error=result["error"]))
            elif result["violations"]:
                summary.outcomes.append(DocumentOutcome(
                    path, "failed", result["doc_key"], error=f"{path}: fails the SHACL shapes "
                    f"({len(result['violations'])} violations; first: {result['violations'][0]})",
                    warnings=result["violations"]))
            elif result["doc_key"] in batch_keys:
                manifest.entries[sha] = {"doc_key": result["doc_key"], "path": path}
                summary.outcomes.append(DocumentOutcome(
                    path, "duplicate", result["doc_key"],
                    warnings=[f"{path}: same document as {batch_keys[result['doc_key']]}; kept that one"]))
            else:
                try:
                    replaced = store.replace_document(result["graph"], _parse_triples(result["triples"]))
                except KgraphError as exc:
                    summary.outcomes.append(DocumentOutcome(path, "failed", result["doc_key"], error=str(exc)))
                else:
                    batch_keys[result["doc_key"]] = path
                    manifest.entries[sha] = {"doc_key": result["doc_key"], "path": path}
                    summary.outcomes.append(DocumentOutcome(
                        path, "ingested" if replaced.changed else "unchanged", result["doc_key"], result["graph"],
                        result["facts"], len(result["triples"]), result["warnings"]))
            if on_progress:
                on_progress(path)
        manifest.save()
    return summary


def _run(todo: list[tuple[Path, str]], jobs: int):
    """Yield (result, sha) in input order; workers only when asked for and worth it."""
    if jobs <= 1 or len(todo) <= 1:
        for f, sha in todo:
            yield process_file(str(f)), sha
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for (f, sha), result in zip(todo, pool.map(process_file, [str(f) for f, _ in todo])):
            yield result, sha
