"""Unit expressions: parse their structure, write them canonically, normalize exactly.

Public API (stable):

``parse_unit(text, pos=0) -> UnitParse | None``
    Reads the unit expression that starts at ``pos`` (leading spaces or one hyphen
    allowed: "4.2-day"). Understands every common spelling of a compound dose unit:
    ``mg/kg/h``, ``mg/ kg/h``, ``mg kg(-1)``, ``mg.kg-1.h-1``, ``mg·kg⁻¹·h⁻¹``,
    ``mg kg−1 h−1``, ``micrograms per kilogram per minute``, ``mg/h/70 kg``,
    ``mg/h per 70 kg``, ``100 mg/24 hr``, ``mg/(kg·h)``, ``ng/mL``, ``IU``/``IE``.
    Returns ``None`` when no known unit starts there; returns a ``UnitParse`` with
    ``spec=None`` and a warning when a unit starts but its compound cannot be read
    ("6 µg/ spin"); such a quantity is kept as text, never guessed.

``UnitSpec``
    The structure: numerator unit, body-weight basis (1 for /kg, 70 for /70 kg),
    time / volume / area denominators (with multipliers: "/24 h"). ``spec.canonical``
    is the unit kgraph writes into ``Quantity.unit``: ``mg/kg/h``, ``µg/kg/min``,
    ``mg/h/70kg``, ``mg/70kg``, ``mg/24h``, ``ng/mL``, ``h`` ... (µ is U+00B5).
    ``spec_from_canonical(unit)`` reads that form back.

``conversion(unit, kind) -> (normalized_unit, Fraction) | None``
    The exact factor from a canonical unit to the normalized unit for a quantity kind
    (cached; pint is asked once per unit pair, with exact fractions):

    ============================  ==========================================
    kind / unit structure         normalized unit
    ============================  ==========================================
    rate, per weight              mg/kg/h  (per-70-kg rates divided by 70,
                                  µg/kg/min * 60/1000, /24 h divided by 24)
    rate, absolute (mg/h, mg/d)   mg/h     (no body weight is assumed)
    total, per weight             mg/70kg  (mg/kg * 70; "per 70 kg" as is)
    total / bolus / dose, absolute  mg     (absolute: per_weight and per_70kg
                                  both False; never rescaled to a weight)
    bolus / dose, per weight      mg/kg    (µg/kg / 1000, mg per 70 kg / 70)
    target_concentration          ng/mL    (µg/mL * 1000, µg/L = ng/mL)
    concentration (solutions)     mg/mL
    durations of any kind         h        (min/60, day 24, week 168,
                                  month 730.5, year 8766)
    percent                       %
    IU, U, mEq, mL numerators     kept (IU/kg/h, IU, mL/h ...)
    ============================  ==========================================

``normalize(quantity) -> Quantity``
    Fills ``normalized_unit/value/low/high`` of a ``frames.Quantity`` in place (the
    mean of a mean ± SD goes to ``normalized_value``; ``normalized_sd(q)`` gives its
    SD). Returns the quantity. Leaves it untouched when no conversion exists.

Decimals are exact: values are multiplied as fractions; results that have a finite
decimal expansion are exact, others (1/60 of an hour) are rounded to 12 significant
digits. Trailing zeros are dropped ("0.006", never "0.0060" or "6E-3").

Unit spellings come from ``ontology/units.yaml`` (a user adds a spelling there).
``reload_units(path)`` re-reads it (tests, or a user's own file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import yaml

from kgraph.config import ONTOLOGY_DIR
from kgraph.errors import InputError
from kgraph.extract.frames import Quantity

__all__ = [
    "UnitSpec",
    "UnitParse",
    "parse_unit",
    "spec_from_canonical",
    "conversion",
    "convert_value",
    "normalize",
    "normalized_sd",
    "unit_dimension",
    "reload_units",
    "UNITS_FILE",
    "to_decimal",
    "atom_pattern",
]

UNITS_FILE = ONTOLOGY_DIR / "units.yaml"

# Which denominator dimensions may follow a numerator dimension.
_DENOMINATOR_DIMS = {"weight", "time", "volume", "area"}
_MASS_LIKE = {"mass", "amount", "volume"}


@dataclass(frozen=True)
class UnitSpec:
    """The structure of a unit expression (all units canonical spellings)."""

    numerator: str
    weight_basis: Decimal | None = None  # 1 for /kg, 70 for /70 kg
    time: str | None = None
    time_multiplier: Decimal = Decimal(1)  # 24 in "/24 h"
    volume: str | None = None
    volume_multiplier: Decimal = Decimal(1)
    area: str | None = None

    @property
    def dimension(self) -> str:
        return _TABLE.dims[self.numerator]

    @property
    def per_weight(self) -> bool:
        return self.weight_basis == 1

    @property
    def per_70kg(self) -> bool:
        return self.weight_basis == 70

    @property
    def canonical(self) -> str:
        parts = [self.numerator]
        if self.weight_basis == 1:
            parts.append("kg")
        if self.area:
            parts.append(self.area)
        if self.volume:
            parts.append(_with_mult(self.volume_multiplier, self.volume))
        if self.time:
            parts.append(_with_mult(self.time_multiplier, self.time))
        if self.weight_basis is not None and self.weight_basis != 1:
            parts.append(f"{_fmt(self.weight_basis)}kg")
        return "/".join(parts)


def _with_mult(mult: Decimal, unit: str) -> str:
    return unit if mult == 1 else f"{_fmt(mult)}{unit}"


def _fmt(d: Decimal) -> str:
    return str(_tidy(d))


@dataclass
class UnitParse:
    """Result of ``parse_unit``: ``spec`` is None when the compound is unreadable."""

    spec: UnitSpec | None
    start: int
    end: int
    text: str
    hyphenated: bool = False  # "4.2-day", "70-kg": adjectival form
    warnings: list[str] = field(default_factory=list)


# --- unit table (from ontology/units.yaml) -----------------------------------


@dataclass
class _UnitTable:
    dims: dict[str, str]  # canonical -> dimension
    pint_names: dict[str, str | None]
    exact: dict[str, str]  # spelling -> canonical (case-sensitive spellings)
    folded: dict[str, str]  # lowercased spelling -> canonical (3+ letter spellings)
    atom_re: re.Pattern
    ignorable_re: re.Pattern
    per_admin_re: re.Pattern
    raw: dict
    # every character a unit spelling can start with: a cheap test before the atom regex
    first_chars: frozenset = frozenset()


def _spelling_pattern(s: str) -> str:
    return r"\s+".join(re.escape(part) for part in s.split())


def _build_table(path: Path) -> _UnitTable:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        units = raw["units"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read unit spellings from {path}: {exc}") from exc
    dims: dict[str, str] = {}
    pint_names: dict[str, str | None] = {}
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    sensitive: list[str] = []
    insensitive: list[str] = []
    for canonical, entry in units.items():
        canonical = str(canonical)
        dims[canonical] = entry["dimension"]
        pint_names[canonical] = entry.get("pint")
        for spelling in [canonical, *entry.get("spellings", [])]:
            spelling = str(spelling)
            if len(spelling) >= 3 and re.fullmatch(r"[A-Za-z ]+", spelling):
                folded[_fold(spelling)] = canonical
                insensitive.append(spelling)
            else:
                exact[spelling] = canonical
                sensitive.append(spelling)
    # Longest first so "mcg" wins over "m...", "minutes" over "min".
    alts = [(_spelling_pattern(s), False) for s in sensitive] + [(_spelling_pattern(s), True) for s in insensitive]
    alts.sort(key=lambda a: -len(a[0]))
    body = "|".join(f"(?i:{p})" if ci else p for p, ci in alts)
    # A unit ends where a word ends ("mg" but not "mgs..."); digits may follow, as
    # citations glued to a unit ("0.5 mg/kg1,2") are common in PDF text.
    atom_re = re.compile(rf"(?:{body})(?![A-Za-zµμ])")
    ignorable = raw.get("ignorable_after_weight") or []
    per_admin = raw.get("per_administration") or []
    ignorable_re = re.compile(
        r"\s{1,2}(?:" + "|".join(_spelling_pattern(s) for s in sorted(ignorable, key=len, reverse=True)) + r")(?![A-Za-z])"
        if ignorable
        else r"(?!x)x"
    )
    per_admin_re = re.compile(
        r"(?i:" + "|".join(_spelling_pattern(s) for s in sorted(per_admin, key=len, reverse=True)) + r")(?![A-Za-z])"
        if per_admin
        else r"(?!x)x"
    )
    first = {sp[0] for sp in sensitive if sp}
    ci_first = "".join(sorted({sp[0] for sp in insensitive if sp}))
    if ci_first:  # what (?i:...) lets match, incl. Unicode case variants (e.g. the Kelvin sign)
        bmp = "".join(map(chr, range(0x10000)))
        first |= set(re.findall("[" + re.escape(ci_first) + "]", bmp, re.IGNORECASE))
    return _UnitTable(dims, pint_names, exact, folded, atom_re, ignorable_re, per_admin_re, raw, frozenset(first))


def _fold(s: str) -> str:
    return " ".join(s.lower().split())


def _canonical_of(spelling: str) -> str:
    hit = _TABLE.exact.get(spelling)
    if hit is None:
        hit = _TABLE.folded.get(_fold(spelling))
    if hit is None:  # "I.U." style or spacing variants
        hit = _TABLE.exact.get(" ".join(spelling.split()), "")
    return hit


_TABLE: _UnitTable = _build_table(UNITS_FILE)


def reload_units(path: Path | str | None = None) -> None:
    """Re-read the unit spellings (default: ontology/units.yaml) and clear caches."""
    global _TABLE
    _TABLE = _build_table(Path(path) if path else UNITS_FILE)
    spec_from_canonical.cache_clear()
    conversion.cache_clear()


def atom_pattern() -> str:
    """Regex (no anchors) matching one unit spelling, e.g. for tokenizer rules."""
    return _TABLE.atom_re.pattern


def unit_dimension(canonical: str) -> str | None:
    """Dimension (mass, time, ...) of a canonical atom such as "mg" or "h"."""
    return _TABLE.dims.get(canonical)


def units_config() -> dict:
    """The parsed units.yaml (cue lists are read by quantities.py)."""
    return _TABLE.raw


# --- parsing -----------------------------------------------------------------

_LEAD_RE = re.compile(r"(?:[-‐‑](?=[A-Za-zµμ])|[ \t\u00a0\u2009\u202f]{0,2})")
_SLASH_RE = re.compile(r"\s{0,2}/\s{0,2}|\s{1,2}(?:per|pro)\s{1,2}|\s{0,2}/(?=\()")
_MULT_RE = re.compile(r"(\d+(?:\.\d+)?)(?:\s?|[-‐])(?=[A-Za-zµμ])")
# "kg-1", "kg(-1)", "kg^-1", "kg⁻¹", "kg−1", "kg–1"
_EXP_RE = re.compile(r"(?:\^?\s?\(\s?[-−–‐⁻]\s?[1¹]\s?\)|\^?[-−–‐⁻][1¹]|⁻¹)(?![0-9])")
_EXP_UNICODE_RE = re.compile(r"(?:\^?\(\s?[−⁻]\s?[1¹]\s?\)|\^?[−⁻][1¹]|⁻¹)(?![0-9])")
_EXP_SEP_RE = re.compile(r"\s{0,2}[·.*×⋅∙]\s{0,2}|\s{1,2}")
_GROUP_RE = re.compile(r"\(\s*")
_GROUP_SEP_RE = re.compile(r"\s{0,2}[·.*×⋅∙]\s{0,2}|\s{1,2}")
_GROUP_END_RE = re.compile(r"\s*\)")
_JUNK_RE = re.compile(r"[^\s,;()\[\]]+")
# "normalized to a 70-kg patient", "(based on 70 kg)", "adjusted for 70 kg body weight"
_BASIS_RE = re.compile(
    r"(?P<open>\s{0,2}\(\s*|\s{0,2},?\s{1,2})"
    r"(?i:(?:normali[sz]ed|adjusted|standardi[sz]ed|scaled|calculated|based|expressed|corrected)\s+(?:to|on|for|per)"
    r"(?:\s+(?:an?|the))?)\s+(?P<kg>\d+(?:\.\d+)?)\s?[-‐]?\s?(?i:kg)"
    r"(?:\s+(?i:patients?|adults?|persons?|subjects?|individuals?|body\s*weight|man|men))?"
    r"(?P<close>\s*\))?"
)


@dataclass
class _Denoms:
    weight: Decimal | None = None
    time: str | None = None
    time_mult: Decimal = Decimal(1)
    volume: str | None = None
    volume_mult: Decimal = Decimal(1)
    area: str | None = None
    bad: str | None = None

    def add(self, unit: str, mult: Decimal) -> bool:
        dim = _TABLE.dims[unit]
        if dim == "weight" and self.weight is None:
            self.weight = mult
        elif dim == "time" and self.time is None:
            self.time, self.time_mult = unit, mult
        elif dim == "volume" and self.volume is None:
            self.volume, self.volume_mult = unit, mult
        elif dim == "area" and self.area is None:
            self.area = unit
        else:
            return False
        return True


def _atom_at(text: str, pos: int) -> tuple[str, int] | None:
    m = _TABLE.atom_re.match(text, pos)
    if not m:
        return None
    canonical = _canonical_of(m.group(0))
    if not canonical:
        return None
    return canonical, m.end()


def parse_unit(text: str, pos: int = 0) -> UnitParse | None:
    """Parse the unit expression starting at ``pos`` (see module docstring)."""
    lead = _LEAD_RE.match(text, pos)
    atom_pos = lead.end() if lead else pos
    if atom_pos >= len(text) or text[atom_pos] not in _TABLE.first_chars:
        return None  # most numbers have no unit: skip the atom regex
    hyphenated = atom_pos > pos and text[atom_pos - 1] in "-‐‑"
    got = _atom_at(text, atom_pos)
    if got is None:
        return None
    numerator, end = got
    num_dim = _TABLE.dims[numerator]
    denoms = _Denoms()
    warnings: list[str] = []
    if num_dim in ("percent",):
        return _finish(text, pos, atom_pos, end, numerator, denoms, hyphenated, warnings)
    # Exponent-style denominators are only read after a unit, never after a bare
    # hyphen that could start a range ("0.5 mg/kg-1 mg/kg").
    while True:
        nxt = _denominator(text, end, denoms)
        if nxt is None:
            break
        if nxt < 0:  # unreadable
            junk = _JUNK_RE.match(text, -nxt)
            bad_end = junk.end() if junk else -nxt
            warnings.append(f"unreadable unit {text[atom_pos:bad_end]!r}")
            return UnitParse(None, pos, bad_end, text[atom_pos:bad_end], hyphenated, warnings)
        end = nxt
        if denoms.weight is not None:
            ig = _TABLE.ignorable_re.match(text, end)
            if ig:
                end = ig.end()
    basis = _BASIS_RE.match(text, end)
    if basis and num_dim in _MASS_LIKE and denoms.volume is None:
        opened = "(" in basis.group("open")
        if opened == bool(basis.group("close")):
            if denoms.weight is None:
                denoms.weight = Decimal(basis.group("kg"))
            end = basis.end()
    return _finish(text, pos, atom_pos, end, numerator, denoms, hyphenated, warnings)


def _denominator(text: str, pos: int, denoms: _Denoms) -> int | None:
    """Read one denominator at pos. Returns new end, None (no denominator), or -pos of junk."""
    m = _SLASH_RE.match(text, pos)
    if m:
        p = m.end()
        if text.startswith("(", p):  # "/(kg·h)"
            return _group(text, p, denoms)
        mult = Decimal(1)
        mm = _MULT_RE.match(text, p)
        if mm:
            mult = Decimal(mm.group(1))
            p = mm.end()
        got = _atom_at(text, p)
        if got is not None:
            unit, end = got
            if _TABLE.dims[unit] in _DENOMINATOR_DIMS:
                if not denoms.add(unit, mult):
                    return -p
                # a redundant exponent after a slash ("/kg-1") is read only in Unicode form
                e = _EXP_UNICODE_RE.match(text, end)
                return e.end() if e else end
            return None  # "25 mg/50 mg": a slash between two doses, not a unit
        if mm:
            return None  # "100 mg/24" without unit: leave the slash alone
        pa = _TABLE.per_admin_re.match(text, p)
        if pa:
            return pa.end()  # "mg/dose": per administration, changes nothing
        if p < len(text) and (text[p].isalpha() or text[p] in "µμ"):
            return -p
        return None
    # exponent style: "mg kg-1 h-1", "mg.kg-1.h-1", "mg·kg⁻¹·h⁻¹"
    s = _EXP_SEP_RE.match(text, pos)
    p = s.end() if s else pos
    if p == pos and not text.startswith(("⁻",), pos):
        # no separator: only "mgkg-1"-style glue is rejected
        return None
    got = _atom_at(text, p)
    if got is None:
        return None
    unit, end = got
    e = _EXP_RE.match(text, end)
    if not e or _TABLE.dims[unit] not in _DENOMINATOR_DIMS:
        return None
    if not denoms.add(unit, Decimal(1)):
        return -p
    return e.end()


def _group(text: str, pos: int, denoms: _Denoms) -> int | None:
    m = _GROUP_RE.match(text, pos)
    p = m.end()
    first = True
    while True:
        if not first:
            s = _GROUP_SEP_RE.match(text, p)
            if not s:
                break
            p2 = s.end()
        else:
            p2 = p
        got = _atom_at(text, p2)
        if got is None:
            if first:
                return None
            break
        unit, end = got
        if _TABLE.dims[unit] not in _DENOMINATOR_DIMS or not denoms.add(unit, Decimal(1)):
            return -p2
        p = end
        first = False
    e = _GROUP_END_RE.match(text, p)
    if not e:
        return -pos
    return e.end()


def _finish(text, pos, atom_pos, end, numerator, d: _Denoms, hyphenated, warnings) -> UnitParse:
    spec = UnitSpec(
        numerator=numerator,
        weight_basis=d.weight,
        time=d.time,
        time_multiplier=d.time_mult,
        volume=d.volume,
        volume_multiplier=d.volume_mult,
        area=d.area,
    )
    return UnitParse(spec, pos, end, text[atom_pos:end], hyphenated, warnings)


_CANON_PART_RE = re.compile(r"(\d+(?:\.\d+)?)?(.+)")


@lru_cache(maxsize=1024)
def spec_from_canonical(unit: str) -> UnitSpec | None:
    """Read back ``UnitSpec.canonical`` ("mg/h/70kg" -> structure). None if not canonical."""
    parts = unit.split("/")
    numerator = parts[0]
    if numerator not in _TABLE.dims:
        return None
    d = _Denoms()
    for part in parts[1:]:
        m = _CANON_PART_RE.fullmatch(part)
        if not m or m.group(2) not in _TABLE.dims:
            return None
        mult = Decimal(m.group(1)) if m.group(1) else Decimal(1)
        if _TABLE.dims[m.group(2)] not in _DENOMINATOR_DIMS or not d.add(m.group(2), mult):
            return None
    return UnitSpec(numerator, d.weight, d.time, d.time_mult, d.volume, d.volume_mult, d.area)


# --- conversion --------------------------------------------------------------

_PINT = None


def _registry():
    global _PINT
    if _PINT is None:
        import pint  # slow import: only when a new unit pair is first converted

        _PINT = pint.UnitRegistry(non_int_type=Fraction)
    return _PINT


@lru_cache(maxsize=256)
def _factor(src: str, dst: str) -> Fraction:
    """Exact factor from canonical unit ``src`` to ``dst`` (same dimension), via pint."""
    if src == dst:
        return Fraction(1)
    a, b = _TABLE.pint_names.get(src), _TABLE.pint_names.get(dst)
    if a is None or b is None:
        raise ValueError(f"no conversion from {src} to {dst}")
    ureg = _registry()
    magnitude = ureg.Quantity(Fraction(1), a).to(b).magnitude
    return Fraction(magnitude)




def _numerator_target(unit: str, concentration_target: str | None = None) -> str:
    dim = _TABLE.dims[unit]
    if dim == "mass":
        return concentration_target or "mg"
    if dim == "volume":
        return "mL"
    if dim == "amount" and _TABLE.pint_names.get(unit) in ("millimole", "micromole"):
        return "mmol"
    return unit  # IU, U, mEq: kept


@lru_cache(maxsize=1024)
def conversion(unit: str, kind: str) -> tuple[str, Fraction] | None:
    """(normalized unit, exact factor) for a canonical unit and a quantity kind, or None."""
    spec = spec_from_canonical(unit)
    if spec is None:
        return None
    dim = _TABLE.dims[spec.numerator]
    has_denoms = spec.weight_basis is not None or spec.time or spec.volume or spec.area
    try:
        if dim == "percent":
            return ("%", Fraction(1)) if not has_denoms else None
        if dim == "time":
            return ("h", _factor(spec.numerator, "h")) if not has_denoms else None
        if dim == "weight":
            if not has_denoms:
                return ("kg", Fraction(1))
            if spec.area and spec.weight_basis is None and not spec.time and not spec.volume:
                return ("kg/m2", Fraction(1))
            return None
        if dim not in _MASS_LIKE:
            return None
        if spec.area:
            if spec.time or spec.volume or spec.weight_basis is not None:
                return None
            tgt = _numerator_target(spec.numerator)
            return (f"{tgt}/m2", _factor(spec.numerator, tgt))
        if spec.volume:
            if spec.time or spec.weight_basis is not None or dim != "mass":
                return None
            tgt = "ng" if kind == "target_concentration" else "mg"
            f = _factor(spec.numerator, tgt) / _factor(spec.volume, "mL") / Fraction(spec.volume_multiplier)
            return (f"{tgt}/mL", f)
        tgt = _numerator_target(spec.numerator)
        f = _factor(spec.numerator, tgt)
        basis = Fraction(spec.weight_basis) if spec.weight_basis is not None else None
        if spec.time:
            # per time unit -> per hour: divide by the length of the period in hours
            f /= _factor(spec.time, "h") * Fraction(spec.time_multiplier)
            if basis is None:
                return (f"{tgt}/h", f)
            return (f"{tgt}/kg/h", f / basis)
        if basis is None:
            return (tgt, f)
        if kind == "total":
            return (f"{tgt}/70kg", f * 70 / basis)
        return (f"{tgt}/kg", f / basis)
    except ValueError:
        return None


# --- exact decimals ------------------------------------------------------------

_SIGNIFICANT = 12


def _tidy(d: Decimal) -> Decimal:
    if d == 0:
        return Decimal(0)
    d = d.normalize()
    if d.as_tuple().exponent > 0:
        d = d.quantize(Decimal(1))
    return d


def _terminates(den: int) -> bool:
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


def to_decimal(value: Fraction) -> Decimal:
    """A fraction as a Decimal: exact when it terminates, else 12 significant digits."""
    with localcontext() as ctx:
        if _terminates(value.denominator):
            ctx.prec = max(28, len(str(value.numerator)) + len(str(value.denominator)) * 2 + 4)
        else:
            ctx.prec = _SIGNIFICANT
        return _tidy(Decimal(value.numerator) / Decimal(value.denominator))


def convert_value(value: Decimal | None, factor: Fraction) -> Decimal | None:
    if value is None:
        return None
    return to_decimal(Fraction(value) * factor)


def normalize(q: Quantity) -> Quantity:
    """Fill the ``normalized_*`` fields of ``q`` in place (see module docstring)."""
    if q.unit is None:
        return q
    conv = conversion(q.unit, q.kind)
    if conv is None:
        return q
    unit, factor = conv
    q.normalized_unit = unit
    base = q.value if q.value is not None else q.mean
    q.normalized_value = convert_value(base, factor)
    q.normalized_low = convert_value(q.low, factor)
    q.normalized_high = convert_value(q.high, factor)
    return q


def normalized_sd(q: Quantity) -> Decimal | None:
    """The SD of a mean ± SD quantity in its normalized unit (None if not normalizable)."""
    if q.sd is None or q.unit is None:
        return None
    conv = conversion(q.unit, q.kind)
    return convert_value(q.sd, conv[1]) if conv else None
