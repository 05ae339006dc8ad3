"""The ``kgraph`` command: one entry point, one subcommand per job.

Subcommands stay thin: they parse flags, call into a stage package, and print.
Every failure the user can cause ends as one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

try:  # typer >= 0.20 vendors its own click
    from typer._click import exceptions as click_exc
except ImportError:  # pragma: no cover
    from click import exceptions as click_exc

from kgraph import __version__
from kgraph.config import get_settings, set_settings
from kgraph.errors import KgraphError, NotBuiltError

app = typer.Typer(
    name="kgraph",
    help="Turn clinical papers into a knowledge graph of treatment protocols, and query it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
neo4j_app = typer.Typer(help="Manage a local Neo4j server and load the graph into it.", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")


def _not_built(name: str) -> None:
    raise NotBuiltError(f"'kgraph {name}' is not built yet")


def _version(value: bool) -> None:
    if value:
        print(f"kgraph {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where the graph is kept [env KGRAPH_DATA_DIR; default ./.kgraph]"),
    neo4j_uri: Optional[str] = typer.Option(None, "--neo4j-uri", help="Bolt URI of your own Neo4j [env NEO4J_URI]"),
    neo4j_user: Optional[str] = typer.Option(None, "--neo4j-user", help="[env NEO4J_USER; default neo4j]"),
    neo4j_password: Optional[str] = typer.Option(None, "--neo4j-password", help="[env NEO4J_PASSWORD]"),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    set_settings(
        get_settings().with_overrides(
            data_dir=data_dir, neo4j_uri=neo4j_uri, neo4j_user=neo4j_user, neo4j_password=neo4j_password
        )
    )


# --- pipeline ----------------------------------------------------------------

@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders (PDF, txt, md)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Documents processed in parallel."),
    force: bool = typer.Option(False, "--force", help="Re-ingest files whose content has not changed."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Read papers, extract protocol facts, validate them and store them."""
    _not_built("ingest")


@app.command()
def parse(
    file: Path = typer.Argument(..., help="A PDF, .txt or .md file."),
    fmt: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """Show what the reader saw: sections, blocks, tables, references, page by page."""
    _not_built("parse")


@app.command()
def extract(
    files: list[Path] = typer.Argument(..., help="Files to extract from (nothing is stored)."),
    fmt: str = typer.Option("json", "--format", help="json | text"),
) -> None:
    """Print the frames found in each document, without storing anything."""
    _not_built("extract")


@app.command()
def query(
    name: Optional[str] = typer.Argument(None, help="A query name from queries/ (see --list)."),
    param: list[str] = typer.Option([], "--param", "-p", help="k=v, repeatable."),
    engine: str = typer.Option("sparql", "--engine", help="sparql | cypher"),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    file: Optional[Path] = typer.Option(None, "--file", help="Run your own .rq or .cypher file."),
    list_: bool = typer.Option(False, "--list", help="List the query library."),
) -> None:
    """Ask the graph a named question (SPARQL or Cypher)."""
    _not_built("query")


@app.command()
def export(
    out: Path = typer.Argument(..., help="Output file."),
    fmt: str = typer.Option("turtle", "--format", help="turtle | nquads | jsonld"),
) -> None:
    """Write the whole graph to a file."""
    _not_built("export")


@app.command()
def viz(
    condition: Optional[str] = typer.Option(None, "--condition"),
    drug: Optional[str] = typer.Option(None, "--drug"),
    out: Path = typer.Option(Path("evidence.html"), "--out"),
) -> None:
    """Write the interactive evidence network (one self-contained HTML file)."""
    _not_built("viz")


@app.command()
def table(
    condition: Optional[str] = typer.Option(None, "--condition"),
    fmt: str = typer.Option("md", "--format", help="md | csv | html | xlsx"),
    out: Optional[Path] = typer.Option(None, "--out"),
) -> None:
    """Regenerate the evidence table from the graph."""
    _not_built("table")


@app.command()
def plot(
    what: str = typer.Argument("trends", help="trends"),
    out: Path = typer.Option(Path("plots"), "--out"),
) -> None:
    """Plot the review's conclusions from the graph."""
    _not_built("plot")


@app.command("eval")
def eval_(
    gold_dir: Path = typer.Argument(..., help="A folder of gold files (see corpus/gold/README.md)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Score extraction against gold: precision, recall, F1 per field."""
    _not_built("eval")


@app.command()
def bench(what: str = typer.Argument("all", help="parse | extract | store | all")) -> None:
    """Run the benchmarks under bench/."""
    _not_built("bench")


# --- neo4j -------------------------------------------------------------------

@neo4j_app.command("start")
def neo4j_start() -> None:
    """Start the managed Neo4j (fetched from Maven Central on first use)."""
    _not_built("neo4j start")


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the managed Neo4j."""
    _not_built("neo4j stop")


@neo4j_app.command("status")
def neo4j_status(json_out: bool = typer.Option(False, "--json")) -> None:
    """Show URI, version and PID of the managed Neo4j."""
    _not_built("neo4j status")


@neo4j_app.command("load")
def neo4j_load() -> None:
    """Load the graph from the embedded store into Neo4j."""
    _not_built("neo4j load")


def main(argv: list[str] | None = None) -> int:
    try:
        app(args=argv, standalone_mode=False)
    except KgraphError as exc:
        print(f"kgraph: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except click_exc.NoArgsIsHelpError:
        return 0
    except click_exc.UsageError as exc:
        print(f"kgraph: error: {exc.format_message()} (see 'kgraph --help')", file=sys.stderr)
        return 2
    except click_exc.Abort:
        print("kgraph: aborted", file=sys.stderr)
        return 130
    except click_exc.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        print("kgraph: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
