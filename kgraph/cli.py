"""The ``kgraph`` command: one entry point, one subcommand per job.

Subcommands stay thin: they parse flags, call into a stage package, and print.
Every failure the user can cause ends as one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import os
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
from kgraph.errors import InputError, KgraphError, NotBuiltError, ServerError

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
    from kgraph.ingest import ingest as run_ingest
    from kgraph.console import ingest_progress, print_ingest_summary

    with ingest_progress(quiet or json_out) as (on_total, on_progress):
        summary = run_ingest(paths, jobs=max(1, jobs), force=force, on_total=on_total, on_progress=on_progress)
    print_ingest_summary(summary, json_out=json_out, quiet=quiet)
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def parse(
    file: Path = typer.Argument(..., help="A PDF, .txt or .md file."),
    fmt: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """Show what the reader saw: sections, blocks, tables, references, page by page."""
    from kgraph.errors import InputError
    from kgraph.parse import read_document
    from kgraph.parse.render import render_json, render_text

    if fmt not in ("text", "json"):
        raise InputError(f"--format {fmt!r}: use text or json")
    doc = read_document(file)
    print(render_json(doc) if fmt == "json" else render_text(doc))


@app.command()
def extract(
    files: list[Path] = typer.Argument(..., help="Files to extract from (nothing is stored)."),
    fmt: str = typer.Option("json", "--format", help="json | text"),
) -> None:
    """Print the frames found in each document, without storing anything."""
    import json

    from kgraph.errors import InputError
    from kgraph.extract import extract_document, frames_to_text
    from kgraph.parse import read_document

    if fmt not in ("json", "text"):
        raise InputError(f"unknown --format {fmt!r} (expected json or text)")
    results, failed = [], 0
    for path in files:
        try:
            frames = extract_document(read_document(path))
        except KgraphError as exc:  # one bad file never stops the others
            print(f"kgraph: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        if fmt == "text":
            print(frames_to_text(frames))
        else:
            results.append(frames.to_dict())
    if fmt == "json" and results:
        print(json.dumps(results[0] if len(files) == 1 else results, ensure_ascii=False, indent=2))
    if failed:
        raise typer.Exit(1)


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
    from kgraph.query import library, output, runner

    if list_:
        print(library.describe_library())
        return
    if engine not in library.ENGINES:
        raise InputError(f"unknown engine '{engine}' (choose sparql or cypher)")
    if fmt not in output.FORMATS:
        raise InputError(f"unknown format '{fmt}' (choose table, csv or json)")
    table = runner.run(name, param, engine=engine, file=file)
    output.render(table, fmt)


@app.command()
def export(
    out: Path = typer.Argument(..., help="Output file."),
    fmt: str = typer.Option("turtle", "--format", help="turtle | nquads | trig | jsonld | ntriples | rdfxml"),
) -> None:
    """Write the whole graph to a file."""
    from kgraph.store.embedded import export_store

    count = export_store(out, fmt)
    print(f"wrote {count} triples to {out} ({fmt})", file=sys.stderr)


@app.command()
def viz(
    condition: Optional[str] = typer.Option(None, "--condition", help="Only protocols for this condition (id, label or abbreviation)."),
    drug: Optional[str] = typer.Option(None, "--drug", help="Only protocols using this drug, as drug or adjunct."),
    out: Path = typer.Option(Path("evidence.html"), "--out", help="Output file."),
    fmt: Optional[str] = typer.Option(None, "--format", help="html | svg | png (default: from the --out extension, else html)"),
) -> None:
    """Write the evidence network: one self-contained HTML page, or a static SVG/PNG image."""
    from kgraph.viz.network import write_evidence_view

    path, network = write_evidence_view(out, fmt, condition=condition, drug=drug)
    print(f"wrote {path}: {network.summary()}", file=sys.stderr)


@app.command()
def table(
    condition: Optional[str] = typer.Option(None, "--condition"),
    fmt: str = typer.Option("md", "--format", help="md | csv | html | xlsx"),
    out: Optional[Path] = typer.Option(None, "--out"),
) -> None:
    """Regenerate the evidence table from the graph."""
    from kgraph.report.evidence_table import FORMATS, render, table_from_store
    from kgraph.store.embedded import open_store

    if fmt not in FORMATS:
        raise KgraphError(f"unknown table format '{fmt}' (choose from {', '.join(FORMATS)})")
    with open_store(read_only=True) as store:
        evidence = table_from_store(store, condition)
    if not evidence.rows:
        raise KgraphError("no studies in the graph" + (f" for condition '{condition}'" if condition else "")
                          + " (ingest a review or study reports first: 'kgraph ingest PATHS')")
    text = render(evidence, fmt, out)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(f"wrote {out}: {len(evidence.rows)} rows, {len({r.study_key for r in evidence.rows})} studies", file=sys.stderr)


@app.command()
def plot(
    what: str = typer.Argument("trends", help="trends"),
    out: Path = typer.Option(Path("plots"), "--out", help="Folder for the figures (PNG, SVG) and their data (JSON)."),
    drug: str = typer.Option("ketamine", "--drug", help="Drug of the protocols plotted."),
    condition: str = typer.Option("", "--condition", help="Only studies of this condition (default: all)."),
    adjunct: str = typer.Option("midazolam", "--adjunct", help="Adjunct compared in the side-effect figure."),
) -> None:
    """Plot the review's conclusions from the graph (relief vs infusion duration and total dose, side effects)."""
    from kgraph.viz.plots import plot_trends_from_settings

    if what != "trends":
        raise InputError(f"unknown plot '{what}' (available: trends)")
    results = plot_trends_from_settings(out, drug=drug, condition=condition, adjunct=adjunct)
    for result in results:
        images = [p.name for p in result.files if p.suffix != ".json"]
        if images:
            print(f"{result.name}: {result.points} data points -> {out}/{{{','.join(images)},{result.name}.json}}")
        if result.warning:
            print(f"kgraph: warning: {result.warning}", file=sys.stderr)


@app.command("eval")
def eval_(
    gold_dir: Path = typer.Argument(..., help="A folder of gold files (see corpus/gold/README.md)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Score extraction against gold: precision, recall, F1 per field."""
    import json

    from kgraph.extract.evaluate import evaluate_gold_dir, render_table

    report = evaluate_gold_dir(gold_dir)
    if json_out:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        render_table(report)
    if report.documents and all(d.error for d in report.documents):
        raise typer.Exit(1)


@app.command()
def bench(what: str = typer.Argument("all", help="parse | extract | store | neo4j | all")) -> None:
    """Run the benchmarks under bench/ (each prints its figure next to a baseline from the same run)."""
    import subprocess

    from kgraph.config import PROJECT_DIR

    scripts = {p.stem.removeprefix("bench_"): p for p in sorted((PROJECT_DIR / "bench").glob("bench_*.py"))}
    chosen = list(scripts) if what == "all" else [what]
    unknown = [w for w in chosen if w not in scripts]
    if unknown:
        raise InputError(f"no benchmark named '{unknown[0]}' (choose from {', '.join(scripts) or 'none'}, all)")
    failed = [name for name in chosen if subprocess.call([sys.executable, str(scripts[name])]) != 0]
    if failed:
        raise KgraphError(f"benchmark(s) failed: {', '.join(failed)}")


# --- neo4j -------------------------------------------------------------------

@neo4j_app.command("start")
def neo4j_start(
    timeout: float = typer.Option(240.0, "--timeout", help="Seconds to wait for Bolt to answer."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Start the managed Neo4j (fetched from Maven Central on first use)."""
    from kgraph.store import neo4j_server

    progress = None if quiet else (lambda message: print(message, file=sys.stderr))
    info = neo4j_server.start(get_settings(), timeout=timeout, progress=progress)
    state = "already running" if info.already_running else "started"
    print(f"Neo4j {info.version} {state} at {info.uri} (pid {info.pid}); 'kgraph neo4j status' shows how to connect")


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the managed Neo4j."""
    from kgraph.store import neo4j_server

    pid = neo4j_server.stop(get_settings())
    print(f"Neo4j stopped (pid {pid})" if pid else "Neo4j was not running")


@neo4j_app.command("status")
def neo4j_status(
    json_out: bool = typer.Option(False, "--json", help="URI, user, password, PID, version as JSON."),
    env_out: bool = typer.Option(False, "--env", help="export NEO4J_URI=... lines for a shell's eval."),
) -> None:
    """Show URI, version and PID of the managed Neo4j (exit 4 when it is not running)."""
    from kgraph.store import neo4j_server

    info = neo4j_server.status(get_settings())
    if json_out:
        import json

        print(json.dumps(info.as_dict(), indent=2))
    elif env_out and info.running:
        print(neo4j_server.shell_exports(info))
    elif info.running:
        print(f"running: Neo4j {info.version} ({info.edition}) at {info.uri}, pid {info.pid}\n"
              f"user: {info.user}, password in {info.home}/password\nlog: {info.log_file}")
    if not info.running:
        raise ServerError("the managed Neo4j is not running (start it with 'kgraph neo4j start')")


@neo4j_app.command("load")
def neo4j_load(
    graph: list[str] = typer.Option([], "--graph", "-g", help="Load only this named graph (repeatable)."),
    prune: bool = typer.Option(False, "--prune", help="Also remove graphs from Neo4j that the store no longer has."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Load every named graph from the embedded store into Neo4j (one transaction per graph)."""
    from kgraph.store.neo4j_loader import run_load

    summary = run_load(get_settings(), only=graph or None, prune=prune, show_progress=not (quiet or json_out))
    if json_out:
        import json

        print(json.dumps(summary.as_dict(), indent=2))
    elif not quiet:
        print(f"loaded {len(summary.loaded)} graph(s), {summary.triples} triples into Neo4j"
              + (f"; pruned {len(summary.pruned)}" if summary.pruned else ""))
    if summary.failed:
        if not json_out:
            for error in summary.failed.values():
                print(f"kgraph: {error}", file=sys.stderr)
        total = len(summary.failed) + len(summary.loaded)
        raise KgraphError(f"{len(summary.failed)} of {total} graph(s) not loaded (each is all or nothing; see above)")


def main(argv: list[str] | None = None) -> int:
    try:
        # without standalone mode, click returns the code of a typer.Exit instead of raising it
        code = app(args=argv, standalone_mode=False)
    except KgraphError as exc:
        print(f"kgraph: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except click_exc.NoArgsIsHelpError:
        return 0
    except click_exc.UsageError as exc:
        print(f"kgraph: error: {exc.format_message()} (see 'kgraph --help')", file=sys.stderr)
        return 2
    except typer.Abort:
        print("kgraph: aborted", file=sys.stderr)
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except BrokenPipeError:
        # output piped into `head` and the like: stop quietly, as other Unix tools do
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        print("kgraph: interrupted", file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
