"""Terminal output shared by CLI commands: progress bars and the ingest summary."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

err_console = Console(stderr=True)


@contextmanager
def ingest_progress(silent: bool):
    """Yields (on_total, on_progress) callbacks driving a Rich bar on stderr (or nothing)."""
    if silent:
        yield (lambda n: None), (lambda p: None)
        return
    progress = Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.description}"), console=err_console,
                        transient=True)
    with progress:
        task = progress.add_task("", total=None)

        def on_total(n: int) -> None:
            progress.update(task, total=n)

        def on_progress(path: str) -> None:
            progress.update(task, advance=1, description=path.rsplit("/", 1)[-1][:40])

        yield on_total, on_progress


def print_ingest_summary(summary, json_out: bool = False, quiet: bool = False) -> None:
    if json_out:
        print(json.dumps(summary.to_dict(), indent=2))
        return
    for o in summary.failed:
        print(f"kgraph: error: {o.error}", file=sys.stderr)
    if quiet:
        return
    console = Console()
    docs = summary.to_dict()["documents"]
    console.print("documents: " + ", ".join(f"{n} {s}" for s, n in docs.items() if n)
                  + (" (duplicates: other copies of a document in the same batch, e.g. its PDF)"
                     if docs.get("duplicate") else ""))
    facts = summary.facts()
    if facts:
        table = Table(title="facts extracted (this run)", show_edge=False)
        table.add_column("type")
        table.add_column("count", justify="right")
        for kind, n in sorted(facts.items()):
            table.add_row(kind, str(n))
        console.print(table)
    warnings = [w for o in summary.outcomes for w in o.warnings if o.status not in ("failed", "duplicate")]
    if warnings:
        console.print(f"{len(warnings)} warnings (first 10 below; `kgraph ingest --json` lists all):")
        for w in warnings[:10]:
            console.print(f"  [yellow]{w}[/yellow]", highlight=False, markup=True)
