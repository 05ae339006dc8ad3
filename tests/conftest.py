"""Shared fixtures. Keep this file small; stage-specific fixtures live next to their tests.

Neo4j: ``neo4j_driver`` connects to NEO4J_URI when it is set (scripts/test.sh exports
the managed server's URI and password), otherwise starts the managed server for the
session and stops it afterwards. A test that needs Neo4j FAILS when it cannot be
reached; it never skips.
"""

from __future__ import annotations

import pytest

from kgraph.config import get_settings
from kgraph.errors import KgraphError


@pytest.fixture(scope="session")
def neo4j_connection():
    """kgraph.store.neo4j_server.Connection to a running Neo4j (see module docstring)."""
    from kgraph.store import neo4j_server

    settings = get_settings()
    started_here = False
    try:
        if not settings.neo4j_uri:
            info = neo4j_server.start(settings)
            started_here = not info.already_running
        connection = neo4j_server.connection_settings(settings)
    except KgraphError as exc:
        pytest.fail(f"Neo4j is needed and not available: {exc}", pytrace=False)
    yield connection
    if started_here:
        neo4j_server.stop(settings)


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_connection):
    """A verified neo4j.Driver for the session."""
    from kgraph.store import neo4j_server

    try:
        driver = neo4j_server.open_driver(neo4j_connection)
    except KgraphError as exc:
        pytest.fail(f"Neo4j is needed and not reachable: {exc}", pytrace=False)
    yield driver
    driver.close()
