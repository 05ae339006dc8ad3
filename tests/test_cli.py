"""The kgraph command itself: help, honest errors, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

KGRAPH = [sys.executable, "-m", "kgraph.cli"]
SUBCOMMANDS = ["ingest", "parse", "extract", "query", "export", "viz", "table", "plot", "neo4j", "eval", "bench"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(KGRAPH + list(args), capture_output=True, text=True, timeout=120)


def test_help_lists_every_subcommand():
    result = run("--help")
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert f" {name} " in result.stdout, name
    neo = run("neo4j", "--help")
    for name in ("start", "stop", "status", "load"):
        assert f" {name} " in neo.stdout, name


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("kgraph ")


@pytest.mark.parametrize(
    "args, needle",
    [
        (("frobnicate",), "No such command"),
        (("ingest", "--no-such-flag", "x"), "No such option"),
        (("query", "no_such_query"), "no_such_query"),
        (("parse", "/nonexistent/paper.pdf"), "/nonexistent/paper.pdf"),
        (("bench", "nope"), "nope"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(args, needle):
    result = run(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kgraph: error:")
    assert needle in lines[0]
