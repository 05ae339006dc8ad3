"""Configuration in one place.

Every setting has a default, an environment variable, and (in the CLI) a flag.
Flags win over the environment, the environment wins over defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

# The repository root holds ontology/, queries/, corpus/ next to the package.
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
ONTOLOGY_DIR = PROJECT_DIR / "ontology"
VOCAB_DIR = ONTOLOGY_DIR / "vocab"
QUERIES_DIR = PROJECT_DIR / "queries"
CORPUS_DIR = PROJECT_DIR / "corpus"
NEO4J_POM = PROJECT_DIR / "scripts" / "neo4j" / "pom.xml"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("KGRAPH_DATA_DIR", ".kgraph")))
    neo4j_uri: str | None = field(default_factory=lambda: os.environ.get("NEO4J_URI"))
    neo4j_user: str = field(default_factory=lambda: os.environ.get("NEO4J_USER", "neo4j"))
    neo4j_password: str | None = field(default_factory=lambda: os.environ.get("NEO4J_PASSWORD"))
    # Where the managed Neo4j server lives (jars, conf, data, logs); git-ignored.
    neo4j_home: Path = field(
        default_factory=lambda: Path(os.environ.get("KGRAPH_NEO4J_HOME", str(PROJECT_DIR / ".kgraph-neo4j")))
    )

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    def with_overrides(self, **values) -> "Settings":
        return replace(self, **{k: v for k, v in values.items() if v is not None})


_current = Settings()


def get_settings() -> Settings:
    return _current


def set_settings(settings: Settings) -> None:
    global _current
    _current = settings
