"""Trend plots: the review's conclusions drawn from the graph, one figure per named query.

- relief duration against infusion duration (log-log), query ``relief_vs_infusion_duration``;
- relief duration against total dose normalized to 70 kg (log-log), query ``relief_vs_total_dose``;
- side-effect rates of protocols with and without an adjunct (midazolam), ``side_effects_by_adjunct``.

Each scatter point is one protocol (a study arm), labelled with its study. The SPARQL that produced
a figure is printed under it, and a JSON file next to each figure holds the query, its parameters
and every data point, so a figure can be checked against the graph. Writes are atomic per file.
"""

from __future__ import annotations

import json
import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgraph.errors import InputError, KgraphError, NotBuiltError
from kgraph.viz.evidence import NOTHING_INGESTED
from kgraph.viz.output import plain_text_figures, write_atomically

IMAGE_FORMATS = ("png", "svg")
# log-axis ticks for durations in hours
HOUR_TICKS = ((1 / 60, "1 min"), (10 / 60, "10 min"), (1, "1 h"), (6, "6 h"), (24, "1 day"), (168, "1 week"),
              (730, "1 month"), (2190, "3 months"), (4383, "6 months"), (8766, "1 year"), (26298, "3 years"))


@dataclass
class Trend:
    name: str  # the named query in queries/
    title: str
    x: str = ""  # column
    y: str = ""
    x_label: str = ""
    y_label: str = ""
    x_hours: bool = False  # the axis holds durations in hours: label ticks as 1 h, 1 day ...
    y_hours: bool = False


SCATTERS = (
    Trend("relief_vs_infusion_duration", "Longer infusions, longer relief?", "infusion_hours", "relief_hours",
          "Infusion duration per session (log scale)", "Duration of relief (log scale)", True, True),
    Trend("relief_vs_total_dose", "Higher total dose, longer relief?", "total_dose", "relief_hours",
          "Total dose, mg per 70 kg (log scale)", "Duration of relief (log scale)", False, True),
)
SIDE_EFFECTS = Trend("side_effects_by_adjunct", "Side effects with and without {adjunct}")


@dataclass
class FigureResult:
    name: str
    files: list[Path] = field(default_factory=list)
    points: int = 0
    warning: str | None = None
    record: dict | None = None  # the JSON of a figure not drawn, written only when another one is


# --- running the named queries ----------------------------------------------------------------------

def _query(name: str):
    from kgraph.query.library import load_query

    return load_query(name, "sparql")


def _run(store, query, wanted: dict[str, str]) -> tuple[Any, dict[str, str], list[str]]:
    """Run ``query`` with the parameters it declares; returns (table, params used, params it lacks)."""
    from kgraph.query.runner import run_query

    params = {k: v for k, v in wanted.items() if k in query.params}
    ignored = [k for k, v in wanted.items() if k not in query.params and v]
    return run_query(query, params, store=store), params, ignored


def _sparql_body(query) -> str:
    """The query text without its header comment (that is documentation, shown elsewhere)."""
    lines = query.text.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("#")):
        lines.pop(0)
    return "\n".join(line.rstrip() for line in lines).strip()


def _query_record(query, params: dict[str, str]) -> dict:
    from kgraph.config import QUERIES_DIR

    try:
        file = str(Path(query.path).resolve().relative_to(QUERIES_DIR.resolve().parent))
    except ValueError:
        file = str(query.path)
    return {"name": query.name, "file": file, "params": params, "summary": query.summary,
            "sparql": _sparql_body(query)}


# --- entry point ------------------------------------------------------------------------------------

def plot_trends(store, out_dir: Path, drug: str = "ketamine", condition: str = "",
                adjunct: str = "midazolam") -> list[FigureResult]:
    """Write the trend figures (PNG, SVG, JSON per figure) into ``out_dir``; returns what was written."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir}: is a file; give a folder")
    if not store.document_graphs():
        raise NotBuiltError(NOTHING_INGESTED)
    out_dir.mkdir(parents=True, exist_ok=True)  # figures are only written once their query has rows
    results = []
    for trend in SCATTERS:
        results.append(_scatter(store, trend, out_dir, {"drug": drug, "condition": condition}))
    results.append(_side_effects(store, out_dir, {"drug": drug, "adjunct": adjunct, "condition": condition}))
    if not any(r.files for r in results):  # nothing written at all
        raise KgraphError("no trend could be drawn: " + "; ".join(r.warning or r.name for r in results))
    for result in results:
        if result.record is not None:  # say why a figure is missing, next to the others
            result.files.append(_write_json(out_dir / f"{result.name}.json", result.record))
    return results


def plot_trends_from_settings(out_dir: Path, settings=None, **options) -> list[FigureResult]:
    from kgraph.store.embedded import EmbeddedStore

    try:
        store = EmbeddedStore(settings=settings, read_only=True)
    except NotBuiltError:
        raise NotBuiltError(NOTHING_INGESTED) from None
    with store:
        return plot_trends(store, out_dir, **options)


# --- scatter plots ------------------------------------------------------------------------------------

def scatter_points(rows: list[dict], trend: Trend) -> tuple[list[dict], list[dict]]:
    """(points, excluded): one point per row with both values; labels name the study (and arm
    when the study has several points)."""
    points, excluded = [], []
    for row in rows:
        x, y = row.get(trend.x), row.get(trend.y)
        record = {"study": row.get("study"), "arm": row.get("arm"), "x": _number(x), "y": _number(y)}
        for extra in ("sessions", "rate"):
            if extra in row and row[extra] is not None:
                record[extra] = _number(row[extra])
        if record["x"] is None or record["y"] is None:
            excluded.append({**record, "reason": "value missing"})
        elif record["x"] <= 0:
            excluded.append({**record, "reason": f"{trend.x} is {record['x']}: not drawable on a log scale"})
        elif record["y"] < 0:
            excluded.append({**record, "reason": f"{trend.y} is negative"})
        else:
            points.append(record)
    per_study: dict[str, int] = {}
    for p in points:
        per_study[p["study"]] = per_study.get(p["study"], 0) + 1
    for p in points:
        p["label"] = str(p["study"]) + (f" ({p['arm']})" if per_study[p["study"]] > 1 and p["arm"] else "")
    return points, excluded


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None when undefined."""
    if len(xs) < 3:
        return None

    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        result = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                result[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return result

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


@plain_text_figures
def _scatter(store, trend: Trend, out_dir: Path, wanted: dict[str, str]) -> FigureResult:
    query = _query(trend.name)
    table, params, ignored = _run(store, query, wanted)
    points, excluded = scatter_points(table.dicts(), trend)
    result = FigureResult(trend.name, points=len(points))
    record = {
        "figure": trend.name, "title": trend.title, "query": _query_record(query, params),
        "x": {"column": trend.x, "label": trend.x_label}, "y": {"column": trend.y, "label": trend.y_label},
        "points": points, "excluded": excluded,
    }
    if ignored:
        record["ignored_params"] = ignored
    if not points:
        result.warning = (f"{trend.name}: no protocol in the graph has both {trend.x} and {trend.y}"
                          + (f" for {_describe(params)}" if _describe(params) else "") + "; figure not drawn")
        record["warning"] = result.warning
        result.record = record
        return result
    positive = [p["y"] for p in points if p["y"] > 0]
    floor = min(positive) / 4 if positive else 0.1
    for p in points:
        if p["y"] == 0:
            p["plotted_y"] = floor  # relief only during / right after the infusion: drawn on the axis floor
    rho = spearman([p["x"] for p in points], [p["y"] for p in points])
    record["statistics"] = {"n": len(points), "spearman_rho": None if rho is None else round(rho, 3)}

    sparql = _caption(query, params, ignored, len(points), len(excluded))
    fig, ax = _figure_with_footnote(sparql)
    drawn = [p for p in points if "plotted_y" not in p]
    floored = [p for p in points if "plotted_y" in p]
    ax.scatter([p["x"] for p in drawn], [p["y"] for p in drawn], s=46, color="#4C78A8", edgecolors="white",
               linewidths=0.8, zorder=3, label="one protocol (study arm)")
    if floored:
        ax.scatter([p["x"] for p in floored], [p["plotted_y"] for p in floored], s=46, facecolors="none",
                   edgecolors="#4C78A8", linewidths=1.3, zorder=3,
                   label="relief only during or right after the infusion (0 h, drawn at the floor)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    xs = [p["x"] for p in points]
    ax.set_xlim(min(xs) / 2, max(xs) * 6)  # room on the right for the labels
    for axis, hours in ((ax.xaxis, trend.x_hours), (ax.yaxis, trend.y_hours)):
        if hours:
            _hour_ticks(ax, axis, [p["x"] if axis is ax.xaxis else p.get("plotted_y", p["y"]) for p in points])
        else:
            _plain_log_axis(axis)
    ax.set_xlabel(trend.x_label)
    ax.set_ylabel(trend.y_label)
    subtitle = f"{len(points)} protocols from {len({p['study'] for p in points})} studies"
    if rho is not None:
        subtitle += f"; Spearman ρ = {rho:.2f}"
    filters = _describe(params)
    ax.set_title(f"{trend.title}\n{subtitle}" + (f" ({filters})" if filters else ""), fontsize=11, loc="left")
    ax.grid(True, which="major", color="#e6e6e6", lw=0.6)
    ax.legend(loc="best", fontsize=8, frameon=True, framealpha=0.85, edgecolor="none")
    _label_points(ax, points)  # last: placement needs the final axis limits
    result.files += _save(fig, out_dir / trend.name)
    record["files"] = [p.name for p in result.files]
    result.files.append(_write_json(out_dir / f"{trend.name}.json", record))
    return result


def _label_points(ax, points: list[dict]) -> None:
    """One label per drawn position, naming its studies; an arm is named when its study has points
    elsewhere too, and '(k arms)' when several arms of one study share the spot."""
    spots: dict[tuple, list[dict]] = {}
    for p in points:
        key = (round(math.log10(p["x"]), 3), round(math.log10(p.get("plotted_y", p["y"])), 3))
        spots.setdefault(key, []).append(p)
    spots_per_study: dict[str, int] = {}
    for members in spots.values():
        for study in {str(p["study"]) for p in members}:
            spots_per_study[study] = spots_per_study.get(study, 0) + 1
    px_per_pt = ax.figure.dpi / 72
    # boxes (display pixels) a label must not cover: the markers, then each label placed
    placed: list[tuple[float, float, float, float]] = []
    for lx, ly in spots:
        x, y = ax.transData.transform((10 ** lx, 10 ** ly))
        r = 4 * px_per_pt
        placed.append((x - r, y - r, x + r, y + r))
    size = 6.5
    for (lx, ly), members in sorted(spots.items(), key=lambda kv: (-kv[0][1], kv[0][0])):
        parts = []
        for study in sorted({str(p["study"]) for p in members}):
            arms = [p for p in members if str(p["study"]) == study]
            if len(arms) > 1:
                parts.append(f"{study} ({len(arms)} arms)")
            elif spots_per_study[study] > 1 and arms[0].get("arm"):
                parts.append(f"{study} ({arms[0]['arm']})")
            else:
                parts.append(study)
        text = "; ".join(textwrap.shorten(part, 48, placeholder="…") for part in parts)
        if len(text) > 80:
            text = text[:79] + "…"
        x, y = ax.transData.transform((10 ** lx, 10 ** ly))
        width, height = len(text) * size * 0.56 * px_per_pt, size * 1.25 * px_per_pt
        choice = None
        for dx, dy in _LABEL_OFFSETS:  # the first place that overlaps no label placed so far
            left = x + dx * px_per_pt - (width if dx < 0 else 0)
            bottom = y + dy * px_per_pt
            box = (left, bottom, left + width, bottom + height)
            x_axis = ax.get_window_extent()
            inside = box[0] >= x_axis.x0 and box[2] <= x_axis.x1 + 40 and box[1] >= x_axis.y0 and box[3] <= x_axis.y1
            if inside and not any(_overlap(box, other) for other in placed):
                choice = (dx, dy, box)
                break
        if choice is None:
            dx, dy = _LABEL_OFFSETS[0]
            choice = (dx, dy, (x + dx * px_per_pt, y + dy * px_per_pt, x + dx * px_per_pt + width,
                               y + dy * px_per_pt + height))
        dx, dy, box = choice
        placed.append(box)
        ax.annotate(text, (10 ** lx, 10 ** ly), xytext=(dx, dy), textcoords="offset points", fontsize=size,
                    ha="right" if dx < 0 else "left", va="bottom", color="#333333", zorder=4,
                    arrowprops=dict(arrowstyle="-", color="#aaaaaa", lw=0.5) if abs(dy) > 8 else None)


# label offsets (points) tried in turn: right, above-right, below-right, left, further up/down
_LABEL_OFFSETS = ((5, -3), (5, 5), (5, -11), (-5, -3), (-5, 5), (-5, -11), (5, 13), (5, -19), (-5, 13),
                  (-5, -19), (5, 21), (5, -27))


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _plain_log_axis(axis) -> None:
    """Log-axis tick labels as plain numbers (10, 100, 1,000): mathtext is off for paper text."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _hour_ticks(ax, axis, values: list[float]) -> None:
    from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter, NullLocator

    low, high = min(values), max(values)
    ticks = [(v, t) for v, t in HOUR_TICKS if low / 3 <= v <= high * 3]
    if len(ticks) < 2:
        _plain_log_axis(axis)
        return
    axis.set_major_locator(FixedLocator([v for v, _ in ticks]))
    axis.set_major_formatter(FixedFormatter([t for _, t in ticks]))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())
    lo, hi = (ax.get_xlim() if axis is ax.xaxis else ax.get_ylim())
    lo, hi = min(lo, ticks[0][0] / 1.3), max(hi, ticks[-1][0] * 1.3)
    (ax.set_xlim if axis is ax.xaxis else ax.set_ylim)(lo, hi)


# --- side effects ---------------------------------------------------------------------------------------

def side_effect_rows(rows: list[dict]) -> list[dict]:
    """Query rows with the rate (reported / protocols of the group) added."""
    out = []
    for row in rows:
        protocols = row.get("protocols") or 0
        reported = row.get("reported") or 0
        out.append({"adjunct_given": bool(row.get("adjunct_given")), "effect": row.get("effect"),
                    "reported": int(reported), "denied": int(row.get("denied") or 0),
                    "protocols": int(protocols), "rate": (reported / protocols) if protocols else None})
    return out


@plain_text_figures
def _side_effects(store, out_dir: Path, wanted: dict[str, str]) -> FigureResult:
    trend = SIDE_EFFECTS
    query = _query(trend.name)
    table, params, ignored = _run(store, query, wanted)
    rows = side_effect_rows(table.dicts())
    adjunct = params.get("adjunct") or wanted.get("adjunct") or "adjunct"
    title = trend.title.format(adjunct=adjunct)
    groups = {}
    for row in rows:
        groups[row["adjunct_given"]] = row["protocols"]
    result = FigureResult(trend.name, points=len(rows))
    record = {"figure": trend.name, "title": title, "query": _query_record(query, params),
              "groups": {"with": groups.get(True, 0), "without": groups.get(False, 0)}, "points": rows}
    if ignored:
        record["ignored_params"] = ignored
    effects = sorted({r["effect"] for r in rows},
                     key=lambda e: (-sum(r["reported"] for r in rows if r["effect"] == e), str(e)))
    if not rows:
        result.warning = f"{trend.name}: no side effect is recorded for protocols of {_describe(params) or 'the graph'}; figure not drawn"
        record["warning"] = result.warning
        result.record = record
        return result
    shown = effects[:25]
    if len(effects) > len(shown):
        record["not_drawn"] = effects[len(shown):]

    caption = _caption(query, params, ignored, len(rows), 0, unit="effect rows")
    fig, ax = _figure_with_footnote(caption, plot_height=max(4.5, 0.32 * len(shown) + 1.8), left=0.2)
    lookup = {(r["adjunct_given"], r["effect"]): r for r in rows}
    height = 0.38
    for offset, given, colour, name in ((-height / 2, True, "#B279A2", f"with {adjunct}"),
                                        (height / 2, False, "#8C8C8C", f"without {adjunct}")):
        total = groups.get(given, 0)
        ys = [i + offset for i in range(len(shown))]
        rates = [(lookup.get((given, e), {}).get("reported", 0) / total * 100) if total else 0 for e in shown]
        ax.barh(ys, rates, height=height, color=colour, label=f"{name} ({total} protocols)")
        for y, e, rate in zip(ys, shown, rates):
            row = lookup.get((given, e))
            text = f"{row['reported']}/{total}" if row else f"0/{total}"
            if row and row["denied"]:
                text += f", {row['denied']} stated absent"
            ax.annotate(text, (rate, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=6.5,
                        color="#333333")
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels([str(e).replace("_", " ") for e in shown], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("protocols reporting the effect (%)")
    ax.set_xlim(0, 115)
    filters = _describe(params)
    ax.set_title(f"{title}\nshare of protocols with each side effect reported as present"
                 + (f" ({filters})" if filters else ""), fontsize=11, loc="left")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.grid(True, axis="x", color="#e6e6e6", lw=0.6)
    result.files += _save(fig, out_dir / trend.name)
    record["files"] = [p.name for p in result.files]
    result.files.append(_write_json(out_dir / f"{trend.name}.json", record))
    return result


# --- figure helpers --------------------------------------------------------------------------------------

def _describe(params: dict[str, str]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in params.items() if v)


def _caption(query, params: dict[str, str], ignored: list[str], points: int, excluded: int,
             unit: str = "protocols") -> str:
    given = " ".join(f'--param {k}="{v}"' for k, v in params.items())
    head = f"Data: {points} {unit}"
    if excluded:
        head += f" ({excluded} left out: see the JSON file)"
    head += f". Query: kgraph query {query.name} {given}".rstrip() + f"  [queries/{query.name}.rq]"
    if ignored:
        head += f"; not applied (the query has no such parameter): {', '.join(ignored)}"
    lines = []
    for line in _sparql_body(query).splitlines():
        lines.extend(textwrap.wrap(line, 150, subsequent_indent="      ", drop_whitespace=False) or [""])
    return head + "\n\n" + "\n".join(lines)


def _figure_with_footnote(footnote: str, plot_height: float = 5.8, left: float = 0.12):
    """A figure with the plot on top and ``footnote`` (the query) in small monospace under it."""
    import matplotlib.pyplot as plt

    lines = footnote.count("\n") + 1
    text_height = 0.11 * lines + 0.2  # inches at 6 pt monospace
    total = plot_height + text_height
    fig = plt.figure(figsize=(10.0, total))
    bottom = (text_height + 0.55) / total
    ax = fig.add_axes((left, bottom, 0.96 - left, (plot_height - 1.2) / total))
    fig.text(0.02, 0.1 / total, footnote, fontsize=6, family="monospace", va="bottom", ha="left", color="#333333")
    return fig, ax


def _save(fig, stem: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    written = []
    try:
        for fmt in IMAGE_FORMATS:
            path = stem.with_suffix("." + fmt)
            metadata = {"Creator": "kgraph plot trends", "Date": None} if fmt == "svg" else {"Software": "kgraph plot trends"}
            write_atomically(path, lambda temp: fig.savefig(temp, format=fmt, dpi=150, metadata=metadata))
            written.append(path)
    finally:
        plt.close(fig)
    return written


def _write_json(path: Path, record: dict) -> Path:
    text = json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n"
    write_atomically(path, lambda temp: temp.write_text(text, encoding="utf-8"))
    return path
