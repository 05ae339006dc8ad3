"""Print a query Table as a rich table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any, TextIO

from kgraph.errors import InputError
from kgraph.query.runner import LIST_SEPARATOR, Table

FORMATS = ("table", "csv", "json")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(cell_text(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell_text(v) for v in row])
    return buffer.getvalue()


def to_json(table: Table) -> str:
    def default(value):
        if isinstance(value, Decimal):
            return float(value)
        return str(value)

    return json.dumps(table.dicts(), indent=2, ensure_ascii=False, default=default) + "\n"


def render(table: Table, fmt: str = "table", out: TextIO | None = None) -> None:
    import sys

    out = out or sys.stdout
    if fmt == "csv":
        out.write(to_csv(table))
    elif fmt == "json":
        out.write(to_json(table))
    elif fmt == "table":
        from rich.console import Console
        from rich.table import Table as RichTable

        console = Console(file=out, soft_wrap=False)
        if len(table.columns) * 12 > console.width:
            _render_records(table, console)
            return
        rich_table = RichTable(show_lines=False, title=f"{table.query} ({table.engine})" if table.query else None)
        for column in table.columns:
            rich_table.add_column(column, overflow="fold")
        for row in table.rows:
            rich_table.add_row(*[cell_text(v) for v in row])
        console.print(rich_table)
        console.print(f"{len(table.rows)} row(s)")
    else:
        raise InputError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")


def _render_records(table: Table, console) -> None:
    """Too many columns for the terminal: one block per row, one line per non-empty field."""
    from rich.markup import escape

    if table.query:
        console.print(f"[bold]{escape(table.query)} ({table.engine})[/bold]")
    width = max(len(c) for c in table.columns)
    for number, row in enumerate(table.rows, 1):
        console.print(f"[bold]-- row {number}[/bold]")
        for column, value in zip(table.columns, row):
            text = cell_text(value)
            if text:
                console.print(f"  {column.ljust(width)}  {escape(text)}", highlight=False)
    console.print(f"{len(table.rows)} row(s)")
