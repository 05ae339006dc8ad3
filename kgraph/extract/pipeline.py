"""The spaCy pipeline: text -> Doc with entities, quantities, negation and abbreviations.

Stable API (other stages and the review extractor call these):

- ``get_nlp()``: the cached ``Language`` (``spacy.blank("en")`` + kgraph components).
- ``analyze(text, abbreviations=None) -> Doc``: run the whole pipeline on one text.
  ``abbreviations`` ({short: long}, e.g. a table footnote parsed with
  ``abbreviations.parse_footnote``) are applied as if the text defined them.
- ``analyze_many(texts, batch_size=64)``: ``nlp.pipe`` over many texts.

What a Doc carries after ``analyze``:

- ``doc.ents``: labels DRUG, CONDITION, OUTCOME_MEASURE, ADVERSE_EFFECT, SETTING, DESIGN,
  ROUTE, FORM (one per vocabulary scheme; an unknown scheme gets its upper-cased
  singular name). For each entity span:
  ``ent._.concept_id`` ("ketamine", or "drugbank:DB01221" from the broad lexicons),
  ``ent._.scheme`` ("drugs"), ``ent._.source`` ("vocab" | "lexicon" | "abbreviation"),
  ``ent._.negated``, ``ent._.hedged``, ``ent._.negation_cue``.
- ``doc._.quantities``: list of ``QuantityMention`` (start/end char offsets, the
  ``frames.Quantity``, and ``span`` over the tokens), in text order.
- ``doc._.abbreviations``: {short: long} defined in the text or given.
- sentences (``doc.sents``) from ``sentences.split_sentences``.

The entity ruler is generated from the SKOS files in ``ontology/vocab/``: vocabulary
labels match case-insensitively, terms flagged as abbreviations match case-sensitively.
The broad drug and disease lexicons match at lower priority (a vocabulary match wins
over any overlapping lexicon match).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator

import numpy as np
import spacy
from spacy.attrs import IDX, LENGTH, LOWER, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import hash_string
from spacy.tokens import Doc, Span

from kgraph.extract import abbreviations as abbrev_mod
from kgraph.extract.frames import Quantity

PIPELINE_NAME = "kgraph-extract"
PIPELINE_VERSION = "0.1.0"

SCHEME_LABELS = {
    "drugs": "DRUG",
    "conditions": "CONDITION",
    "outcomes": "OUTCOME_MEASURE",
    "adverse_effects": "ADVERSE_EFFECT",
    "settings": "SETTING",
    "designs": "DESIGN",
    "routes": "ROUTE",
    "forms": "FORM",
}
LABEL_SCHEMES = {v: k for k, v in SCHEME_LABELS.items()}


def label_for_scheme(scheme: str) -> str:
    if scheme in SCHEME_LABELS:
        return SCHEME_LABELS[scheme]
    name = scheme.upper()
    return name[:-1] if name.endswith("S") else name


@dataclass
class QuantityMention:
    """A quantity found in the text: offsets into the Doc's text and the parsed frame."""

    start: int
    end: int
    quantity: Quantity
    span: Span | None = None
    raw: Any = None  # the finder's own match object, for callers that need more

    @property
    def text(self) -> str:
        return self.quantity.text


# --- custom attributes -----------------------------------------------------------

def _kb_parts(span: Span) -> tuple[str, str]:
    kb = span.kb_id_
    if "|" in kb:
        scheme, cid = kb.split("|", 1)
        return scheme, cid
    return "", kb


def _neg_get(key: int):
    def getter(span: Span):
        flags = span.doc._.entity_flags.get((span.start_char, span.end_char))
        if flags is None:
            return None if key == 2 else False
        return flags[key]

    return getter


def _register_extensions() -> None:
    if not Doc.has_extension("quantities"):
        Doc.set_extension("quantities", default=None)
    if not Doc.has_extension("abbreviations"):
        Doc.set_extension("abbreviations", default=None)
    if not Doc.has_extension("given_abbreviations"):
        Doc.set_extension("given_abbreviations", default=None)
    if not Doc.has_extension("abbreviation_definitions"):
        Doc.set_extension("abbreviation_definitions", default=None)
    if not Doc.has_extension("warnings"):
        Doc.set_extension("warnings", getter=lambda d: d.user_data.setdefault("kgraph_warnings", []))
    if not Doc.has_extension("entity_flags"):
        # (start_char, end_char) -> (negated, hedged, cue)
        Doc.set_extension("entity_flags", getter=lambda d: d.user_data.setdefault("kgraph_entity_flags", {}))
    if not Span.has_extension("concept_id"):
        Span.set_extension("concept_id", getter=lambda s: _kb_parts(s)[1] or None)
    if not Span.has_extension("scheme"):
        Span.set_extension("scheme", getter=lambda s: _kb_parts(s)[0] or None)
    if not Span.has_extension("source"):
        Span.set_extension("source", getter=lambda s: s.id_ or None)
    if not Span.has_extension("negated"):
        Span.set_extension("negated", getter=_neg_get(0))
    if not Span.has_extension("hedged"):
        Span.set_extension("hedged", getter=_neg_get(1))
    if not Span.has_extension("negation_cue"):
        Span.set_extension("negation_cue", getter=_neg_get(2))


_register_extensions()


def doc_text(doc: Doc) -> str:
    """``doc.text`` computed once (spaCy rebuilds it from the tokens on every access)."""
    text = doc.user_data.get("kgraph_text")
    if text is None:
        # from the token arrays, joined from a list (a generator join is 2.5x slower)
        arr = doc.to_array([ORTH, SPACY]).tolist()
        strings = doc.vocab.strings
        text = "".join([strings[o] + " " if sp else strings[o] for o, sp in arr])
        doc.user_data["kgraph_text"] = text
    return text


def make_entity(doc: Doc, start: int, end: int, label: str, scheme: str, concept_id: str, source: str) -> Span:
    """An entity span carrying its concept (kb_id = "scheme|id") and source (span id)."""
    return Span(doc, start, end, label=label, kb_id=f"{scheme}|{concept_id}", span_id=source)


# --- components ------------------------------------------------------------------

@Language.factory("kgraph_tokenizer")
def make_tokenizer_component(nlp: Language, name: str):
    """Customize the tokenizer (units, ranges, ± spreads) when the pipeline is built;
    the component itself does nothing per document."""
    from kgraph.extract.tokenizer import customize_tokenizer

    result = customize_tokenizer(nlp)
    if result is not None and result is not nlp and hasattr(result, "__call__") and not isinstance(result, Language):
        nlp.tokenizer = result

    def identity(doc: Doc) -> Doc:
        return doc

    return identity


class SentenceSplitter:
    """Sets sentence starts from ``sentences.split_sentences`` (char spans -> tokens)."""

    def __init__(self) -> None:
        from kgraph.extract.sentences import split_sentences

        self._split = split_sentences

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        starts = _sentence_start_chars(self._split(doc_text(doc)))
        token_idx = doc.to_array([IDX])
        flags = np.full(n, -1, dtype="int32")
        flags[0] = 1
        if starts:
            pos = np.searchsorted(token_idx, np.asarray(starts, dtype=token_idx.dtype), side="left")
            pos = pos[(pos > 0) & (pos < n)]
            flags[pos] = 1
        doc.from_array([SENT_START], flags.reshape(-1, 1).astype("uint64"))
        return doc


def _sentence_start_chars(result: Any) -> list[int]:
    """split_sentences may return (start, end) pairs, objects with .start, or strings."""
    starts: list[int] = []
    if not result:
        return starts
    first = result[0]
    if isinstance(first, tuple):
        return [int(r[0]) for r in result]
    if hasattr(first, "start"):
        return [int(r.start) for r in result]
    if hasattr(first, "start_char"):
        return [int(r.start_char) for r in result]
    return starts


@Language.factory("kgraph_sentences")
def make_sentence_component(nlp: Language, name: str):
    return SentenceSplitter()


class VocabularyIndex:
    """Everything the entity ruler knows: surface forms -> concepts, built once."""

    def __init__(self) -> None:
        from kgraph import vocab as vocab_mod

        self.vocabularies = vocab_mod.load_vocabularies()
        # (scheme, id) -> preferred label
        self.labels: dict[tuple[str, str], str] = {}
        # lowercase surface form -> (scheme, id); case-sensitive abbreviations kept apart
        self.by_lower: dict[str, tuple[str, str]] = {}
        self.abbrev_exact: dict[str, tuple[str, str]] = {}
        self.terms_by_key: dict[tuple[str, str], list[tuple[str, bool]]] = {}
        for term in self.vocabularies.terms():
            text = _attr(term, "text", "surface", "form", "label")
            scheme = _attr(term, "scheme")
            cid = _attr(term, "concept_id", "id", "concept")
            is_abbr = bool(_attr(term, "is_abbreviation", "abbreviation", default=False))
            if not text or not scheme or not cid:
                continue
            key = (scheme, cid)
            self.terms_by_key.setdefault(key, []).append((text, is_abbr))
            if is_abbr:
                self.abbrev_exact.setdefault(text, key)
            else:
                self.by_lower.setdefault(_norm_space(text.lower()), key)
        for key in self.terms_by_key:
            self.labels[key] = self._pref_label(key)

    def _pref_label(self, key: tuple[str, str]) -> str:
        scheme, cid = key
        for getter in ("pref_label", "label_of", "label"):
            fn = getattr(self.vocabularies, getter, None)
            if callable(fn):
                try:
                    value = fn(scheme, cid)
                    if value:
                        return str(value)
                except Exception:  # noqa: BLE001 - any API mismatch falls back to the id
                    pass
        concept = self.concept(scheme, cid)
        for name in ("pref_label", "label", "prefLabel"):
            value = getattr(concept, name, None) if concept is not None else None
            if value:
                return str(value)
        return cid.replace("_", " ")

    def concept(self, scheme: str, cid: str) -> Any:
        fn = getattr(self.vocabularies, "concept", None)
        if callable(fn):
            try:
                return fn(scheme, cid)
            except Exception:  # noqa: BLE001
                return None
        return None

    def lookup(self, text: str) -> tuple[str, str] | None:
        """Concept of a surface form (exact abbreviation, then case-insensitive label)."""
        if text in self.abbrev_exact:
            return self.abbrev_exact[text]
        return self.by_lower.get(_norm_space(text.lower()))


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
        elif hasattr(obj, name):
            return getattr(obj, name)
    if isinstance(obj, tuple):
        # (text, scheme, concept_id, is_abbreviation)
        order = {"text": 0, "surface": 0, "scheme": 1, "concept_id": 2, "id": 2, "is_abbreviation": 3}
        for name in names:
            if name in order and order[name] < len(obj):
                return obj[order[name]]
    return default


_SPACE = re.compile(r"\s+")


def _norm_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=1)
def vocabulary_index() -> VocabularyIndex:
    return VocabularyIndex()


class BroadLexicon:
    """A big case-insensitive dictionary (20k drugs, MeSH diseases) matched without
    tokenizing its terms: candidate starts are found with one vectorized lookup of the
    tokens' lower-case hashes (sorted array + searchsorted), then the text between token
    boundaries is looked up directly, up to the longest term that starts with that word."""

    _TOKEN = re.compile(r"[^\W_]+|[^\w\s]", re.UNICODE)

    def __init__(self, entries: dict[str, tuple[str, str]], scheme: str, min_length: int = 4) -> None:
        # entries: lowercase surface -> (concept_id, label)
        from spacy.lang.en.stop_words import STOP_WORDS

        self.scheme = scheme
        self.terms: dict[str, tuple[str, str]] = {}
        max_len: dict[int, int] = {}
        prefixes: set[str] = set()
        for surface, value in entries.items():
            s = _norm_space(surface.lower())
            if len(s) < min_length:
                continue
            # "at 10", "in 1": a term needs one real word (4+ letters, not a stop word)
            words = re.findall(r"[^\W\d_]+", s)
            if not any(len(w) >= 4 and w not in STOP_WORDS for w in words):
                continue
            tokens = list(self._TOKEN.finditer(s))
            if not tokens:
                continue
            self.terms[s] = value
            h = hash_string(tokens[0].group(0))
            # spaCy may split a little finer than the regex: allow two extra tokens
            max_len[h] = max(max_len.get(h, 0), len(tokens) + 2)
            for t in tokens[:-1]:
                prefixes.add(s[: t.end()])
        self.max_len = max_len
        self.prefixes = prefixes  # every term prefix that ends at a word or symbol boundary
        self.first_sorted = np.array(sorted(max_len), dtype="uint64")

    def matches(self, lowers: np.ndarray, starts: list[int], ends: list[int], text_lower: str) -> Iterator[tuple[int, int, str]]:
        n = len(starts)
        if not self.terms or n == 0 or not len(self.first_sorted):
            return
        pos = np.searchsorted(self.first_sorted, lowers)
        pos[pos >= len(self.first_sorted)] = 0
        candidates = np.nonzero(self.first_sorted[pos] == lowers)[0]
        if not len(candidates):
            return
        max_len = self.max_len
        terms = self.terms
        prefixes = self.prefixes
        lower_list = lowers.tolist()
        for i in candidates.tolist():
            start_char = starts[i]
            best = None
            for j in range(i, min(n, i + max_len[lower_list[i]])):
                surface = text_lower[start_char : ends[j]]
                if "\n" in surface or "  " in surface:
                    if "\n\n" in surface:
                        break  # a term never spans paragraphs
                    surface = _norm_space(surface)
                hit = terms.get(surface)
                if hit is not None:
                    best = (j + 1, hit[0])
                if surface not in prefixes:
                    break  # no longer term starts this way
            if best is not None:
                yield i, best[0], best[1]


def _lexicon_entries(raw: Any) -> dict[str, tuple[str, str]]:
    """Accepts {surface: id}, {surface: (id, label)}, {surface: obj}, or an iterable of records."""
    out: dict[str, tuple[str, str]] = {}
    if raw is None:
        return out
    items = raw.items() if isinstance(raw, dict) else ((_attr(r, "text", "surface", "name"), r) for r in raw)
    for surface, value in items:
        if not surface:
            continue
        if hasattr(value, "concept_id"):  # vocab.LexiconEntry
            out[str(surface)] = (str(value.concept_id), str(getattr(value, "label", surface) or surface))
            continue
        if isinstance(value, str):
            cid, label = value, surface
        elif isinstance(value, tuple):
            cid, label = value[0], (value[1] if len(value) > 1 else surface)
        else:
            cid = _attr(value, "concept_id", "id", "drugbank_id", "mesh_id")
            label = _attr(value, "label", "name", default=surface)
        if cid:
            out[str(surface)] = (str(cid), str(label))
    return out


class EntityRuler:
    """Vocabulary phrase matching (+ broad lexicons at lower priority)."""

    def __init__(self, nlp: Language, use_lexicons: bool = True) -> None:
        self.index = vocabulary_index()
        self.matcher_lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher_exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.key_of: dict[int, tuple[str, str]] = {}
        for (scheme, cid), forms in self.index.terms_by_key.items():
            match_key = f"{scheme}|{cid}"
            self.key_of[nlp.vocab.strings.add(match_key)] = (scheme, cid)
            lower_docs = [nlp.make_doc(t) for t, is_abbr in forms if not is_abbr]
            exact_docs = [nlp.make_doc(t) for t, is_abbr in forms if is_abbr]
            if lower_docs:
                self.matcher_lower.add(match_key, lower_docs)
            if exact_docs:
                self.matcher_exact.add(match_key, exact_docs)
        self.lexicons: list[BroadLexicon] = []
        if use_lexicons:
            self.lexicons = _load_broad_lexicons()

    def __call__(self, doc: Doc) -> Doc:
        vocab_spans: list[tuple[int, int, str, str]] = []
        for match_id, start, end in self.matcher_lower(doc):
            scheme, cid = self.key_of[match_id]
            vocab_spans.append((start, end, scheme, cid))
        for match_id, start, end in self.matcher_exact(doc):
            scheme, cid = self.key_of[match_id]
            vocab_spans.append((start, end, scheme, cid))
        chosen = _longest_first(vocab_spans)
        taken = np.zeros(len(doc) + 1, dtype=bool)
        for s, e, _, _ in chosen:
            taken[s:e] = True
        entities = [make_entity(doc, s, e, label_for_scheme(sc), sc, cid, "vocab") for s, e, sc, cid in chosen]
        if self.lexicons and len(doc):
            arr = doc.to_array([LOWER, IDX, LENGTH])
            lowers = arr[:, 0]
            starts = arr[:, 1].tolist()
            ends = (arr[:, 1] + arr[:, 2]).tolist()
            text = doc_text(doc)
            text_lower = text.lower()
            if len(text_lower) != len(text):  # rare case-folding that changes length
                text_lower = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
            lex_spans = []
            for lex in self.lexicons:
                for s, e, cid in lex.matches(lowers, starts, ends, text_lower):
                    if not taken[s:e].any():
                        lex_spans.append((s, e, lex.scheme, cid))
            for s, e, sc, cid in _longest_first(lex_spans):
                entities.append(make_entity(doc, s, e, label_for_scheme(sc), sc, cid, "lexicon"))
        entities.sort(key=lambda sp: sp.start)
        doc.set_ents(entities, default="outside")
        return doc


def _longest_first(spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    spans = sorted(set(spans), key=lambda x: (-(x[1] - x[0]), x[0], x[2], x[3]))
    used: set[int] = set()
    out = []
    for s, e, sc, cid in spans:
        if any(i in used for i in range(s, e)):
            continue
        used.update(range(s, e))
        out.append((s, e, sc, cid))
    out.sort()
    return out


def _load_broad_lexicons() -> list[BroadLexicon]:
    from kgraph import vocab as vocab_mod

    lexicons = []
    for fn_name, scheme in (("broad_drug_lexicon", "drugs"), ("broad_condition_lexicon", "conditions")):
        fn = getattr(vocab_mod, fn_name, None)
        if fn is None:
            continue
        entries = _lexicon_entries(fn())
        if entries:
            lexicons.append(BroadLexicon(entries, scheme))
    return lexicons


@Language.factory("kgraph_entities", default_config={"use_lexicons": True})
def make_entity_component(nlp: Language, name: str, use_lexicons: bool):
    return EntityRuler(nlp, use_lexicons=use_lexicons)


class AbbreviationLinker:
    """Schwartz-Hearst definitions make later short forms mentions of the long form's concept.

    A definition in the document wins over the vocabulary and the lexicons for its short
    form (a paper that writes "present pain intensity (PPI)" means that, not a drug).
    Definitions given from outside (a table footnote) apply to the whole text.
    """

    def __init__(self) -> None:
        self.index = vocabulary_index()

    def __call__(self, doc: Doc) -> Doc:
        given = doc._.given_abbreviations or {}
        text = doc_text(doc)
        definitions = abbrev_mod.find_definitions(text) if "(" in text else []
        doc._.abbreviation_definitions = definitions
        mapping: dict[str, str] = dict(given)
        for d in definitions:
            mapping.setdefault(d.short, d.long)
        doc._.abbreviations = mapping
        if not mapping:
            return doc
        ents = list(doc.ents)
        by_char = {(e.start_char, e.end_char): e for e in ents}
        changed = False
        # where each definition's short forms count from, and which concept they take
        plans: list[tuple[str, int, tuple[str, str] | None]] = []
        for d in definitions:
            plans.append((d.short, d.short_start, self._concept_of_long(doc, ents, d.long_start, d.long_end, d.long)))
        for short, long in given.items():
            if short not in {p[0] for p in plans}:
                plans.append((short, 0, self.index.lookup(long)))
        for short, from_char, concept in plans:
            if concept is None:
                continue
            label = label_for_scheme(concept[0])
            pattern = re.compile(r"(?<![\w-])" + re.escape(short) + r"(?![\w])")
            for m in pattern.finditer(text, max(0, from_char)):
                span = doc.char_span(m.start(), m.end(), alignment_mode="strict")
                if span is None:
                    span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                    if span is None or span.end_char - span.start_char > len(short) + 3:
                        continue
                existing = by_char.get((span.start_char, span.end_char))
                if existing is not None and existing._.scheme == concept[0] and existing._.concept_id == concept[1]:
                    continue
                # a longer mention that contains the short form ("CRPS-1", "CRPS type 1") stays
                if any(e.start <= span.start and e.end >= span.end and (e.end - e.start) > (span.end - span.start)
                       for e in ents):
                    continue
                # replace whatever overlaps the short form
                ents = [e for e in ents if e.end <= span.start or e.start >= span.end]
                new = make_entity(doc, span.start, span.end, label, concept[0], concept[1], "abbreviation")
                ents.append(new)
                by_char = {(e.start_char, e.end_char): e for e in ents}
                changed = True
        if changed:
            ents.sort(key=lambda e: e.start)
            doc.set_ents(ents, default="outside")
        return doc

    def _concept_of_long(self, doc: Doc, ents: list[Span], start: int, end: int, long: str) -> tuple[str, str] | None:
        hit = self.index.lookup(long)
        if hit is not None:
            return hit
        # an entity that covers most of the long form (e.g. "CRPS type 1" inside it)
        best = None
        for e in ents:
            if e.start_char >= start and e.end_char <= end:
                cover = (e.end_char - e.start_char) / max(1, end - start)
                if cover >= 0.6 and (best is None or cover > best[0]):
                    best = (cover, (e._.scheme, e._.concept_id))
        return best[1] if best else None


@Language.factory("kgraph_abbreviations")
def make_abbreviation_component(nlp: Language, name: str):
    return AbbreviationLinker()


class QuantityFinder:
    """doc._.quantities from ``quantities.find_quantities`` (char offsets -> token spans)."""

    def __init__(self) -> None:
        from kgraph.extract.quantities import find_quantities

        self._find = find_quantities

    def __call__(self, doc: Doc) -> Doc:
        mentions = []
        try:
            found = self._find(doc_text(doc)) or []
        except Exception as exc:  # noqa: BLE001 - a grammar failure loses quantities, never the document
            doc._.warnings.append(f"quantity grammar failed on this text ({exc.__class__.__name__}: {exc}); no quantities read")
            found = []
        for match in found:
            mention = _to_mention(match)
            if mention is None:
                continue
            mention.span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            mentions.append(mention)
        mentions.sort(key=lambda m: (m.start, m.end))
        doc._.quantities = mentions
        return doc


def _to_mention(match: Any) -> QuantityMention | None:
    if isinstance(match, QuantityMention):
        return match
    if isinstance(match, tuple) and len(match) >= 3:
        return QuantityMention(int(match[0]), int(match[1]), match[2], raw=match)
    start = _attr(match, "start", "start_char")
    end = _attr(match, "end", "end_char")
    quantity = _attr(match, "quantity", "frame", "value")
    if isinstance(match, Quantity):
        quantity = match
        ev = match.evidence[0] if match.evidence else None
        start = ev.start if ev else None
        end = ev.end if ev else None
    if start is None or end is None or quantity is None:
        return None
    return QuantityMention(int(start), int(end), quantity, raw=match)


@Language.factory("kgraph_quantities")
def make_quantity_component(nlp: Language, name: str):
    return QuantityFinder()


class NegationTagger:
    """ent._.negated / ent._.hedged / ent._.negation_cue from ``negation.assess``."""

    def __init__(self, labels: Iterable[str] | None = None) -> None:
        from kgraph.extract.negation import assess

        self._assess = assess
        self.only_labels = set(labels) if labels else None

    def __call__(self, doc: Doc) -> Doc:
        flags = doc._.entity_flags
        ents = [e for e in doc.ents if self.only_labels is None or e.label_ in self.only_labels]
        if not ents:
            return doc
        text = doc_text(doc)
        sent_starts = doc.to_array([SENT_START]).tolist()
        token_idx = doc.to_array([IDX]).tolist()
        for ent in ents:
            # the sentence around the entity, from the sentence-start flags (no Span objects)
            i = ent.start
            while i > 0 and sent_starts[i] != 1:
                i -= 1
            j = ent.end
            while j < len(doc) and sent_starts[j] != 1:
                j += 1
            s_start = token_idx[i]
            s_end = token_idx[j] if j < len(doc) else len(text)
            s_text = text[s_start:s_end].rstrip()
            result = self._assess(s_text, ent.start_char - s_start, ent.end_char - s_start)
            if isinstance(result, tuple):  # (negated, hedged, cue)
                negated, hedged, cue = bool(result[0]), bool(result[1]), (result[2] if len(result) > 2 else None)
            else:
                negated = bool(_attr(result, "negated", default=False))
                hedged = bool(_attr(result, "hedged", default=False))
                cue = _attr(result, "cue", default=None)
            if negated and cue and re.match(r"^\s*0\s*(?:%|/)", str(cue)):
                # a zero count must be a number on its own: "(20%)" holds "0%" but says 20%
                hits = [m.start() for m in re.finditer(re.escape(str(cue)), s_text)]
                if hits and all(h > 0 and (s_text[h - 1].isdigit() or s_text[h - 1] == ".") for h in hits):
                    negated, cue = False, None
            flags[(ent.start_char, ent.end_char)] = (negated, hedged, cue)
        return doc


# Negation matters for findings, not for drug or route names.
NEGATION_LABELS = ["ADVERSE_EFFECT", "CONDITION", "OUTCOME_MEASURE", "SETTING", "DESIGN"]


@Language.factory("kgraph_negation", default_config={"labels": NEGATION_LABELS})
def make_negation_component(nlp: Language, name: str, labels: list[str] | None):
    return NegationTagger(labels)


# --- the pipeline -------------------------------------------------------------------

PIPE_ORDER = (
    "kgraph_tokenizer",
    "kgraph_sentences",
    "kgraph_entities",
    "kgraph_abbreviations",
    "kgraph_quantities",
    "kgraph_negation",
)

_lock = threading.Lock()
_nlp: Language | None = None


def build_nlp(use_lexicons: bool = True) -> Language:
    """A fresh pipeline (``get_nlp`` caches one)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("kgraph_tokenizer")
    nlp.add_pipe("kgraph_sentences")
    nlp.add_pipe("kgraph_entities", config={"use_lexicons": use_lexicons})
    nlp.add_pipe("kgraph_abbreviations")
    nlp.add_pipe("kgraph_quantities")
    nlp.add_pipe("kgraph_negation")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    return nlp


def get_nlp() -> Language:
    """The process-wide pipeline, built on first use."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                _nlp = build_nlp()
    return _nlp


def analyze(text: str, abbreviations: dict[str, str] | None = None, nlp: Language | None = None) -> Doc:
    """Run the full pipeline on ``text``. ``abbreviations`` ({short: long}) apply as if
    defined in the text (for table cells whose footnote defines them)."""
    nlp = nlp or get_nlp()
    doc = nlp.make_doc(text)
    doc._.given_abbreviations = dict(abbreviations) if abbreviations else {}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def analyze_many(texts: Iterable[str], batch_size: int = 64, nlp: Language | None = None) -> Iterator[Doc]:
    """``nlp.pipe`` over many texts (no given abbreviations)."""
    nlp = nlp or get_nlp()
    yield from nlp.pipe(texts, batch_size=batch_size)


def extractor_name() -> str:
    return f"{PIPELINE_NAME}/{PIPELINE_VERSION}"
