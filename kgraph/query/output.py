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
        rich_table = RichTable(show_lines=False, title=f"{table.query} ({table.engine})" if table.query else None)
        for column in table.columns:
            rich_table.add_column(column, overflow="fold")
        for row in table.rows:
            rich_table.add_row(*[cell_text(v) for v in row])
        console.print(rich_table)
        console.print(f"{len(table.rows)} row(s)")
    else:
        raise InputError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")
