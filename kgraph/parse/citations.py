"""Citation markers: "3,4", "3–7,26", "[12]", "^{3,4}", "³⁰" -> reference numbers."""

from __future__ import annotations

import re

_SUP_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
SUPERSCRIPT_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"
_SUB_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")

_MARKER_RE = re.compile(r"^\d{1,4}(?:\s*[-–—,;]\s*\d{1,4})*$")


def from_superscript(s: str) -> str:
    return s.translate(_SUP_DIGITS)


def from_subscript(s: str) -> str:
    return s.translate(_SUB_DIGITS)


def parse_marker(marker: str, max_ref: int | None = None) -> list[int] | None:
    """Expand a citation marker into reference numbers, or None if it is not one.

    Ranges expand ("3–7" -> 3..7). A list that is not ascending is repaired when
    splitting a number into its digits makes it ascending (OCR lost a comma:
    "34,7,9" -> 3, 4, 7, 9); otherwise it is rejected.
    """
    m = marker.strip().strip("[]()").replace(" ", "")
    m = m.rstrip(",;")
    if not m or not _MARKER_RE.match(m):
        return None
    parts = re.split(r"[,;]", m)
    items: list[tuple[int, int]] = []
    for p in parts:
        r = re.split(r"[-–—]", p)
        if len(r) == 1:
            a = int(r[0])
            items.append((a, a))
        elif len(r) == 2 and r[0] and r[1]:
            a, b = int(r[0]), int(r[1])
            if b < a:
                return None
            if b - a > 60:
                return None
            items.append((a, b))
        else:
            return None
    nums: list[int] = []
    for a, b in items:
        nums.extend(range(a, b + 1))
    if any(n == 0 for n in nums):
        return None
    if not _ascending(nums):
        fixed = _split_digits(items)
        if fixed is None:
            return None
        nums = fixed
    if max_ref is not None and max_ref > 0 and max(nums) > max_ref:
        return None
    return nums


def _ascending(nums: list[int]) -> bool:
    return all(b > a for a, b in zip(nums, nums[1:]))


def _split_digits(items: list[tuple[int, int]]) -> list[int] | None:
    res: list[int] = []
    for idx, (a, b) in enumerate(items):
        nxt = items[idx + 1][0] if idx + 1 < len(items) else None
        if a == b and a >= 10 and nxt is not None and nxt < a:
            digits = [int(d) for d in str(a)]
            if 0 in digits:
                return None
            res.extend(digits)
        else:
            res.extend(range(a, b + 1))
    return res if _ascending(res) else None


def format_marker(marker: str) -> str:
    """How a citation marker is written into Document.text: "[3–7]"."""
    m = marker.strip().strip("[]").replace(" ", "")
    m = m.replace("-", "–")
    m = re.sub(r",(?=\S)", ",", m)
    return f"[{m}]"


# Bracketed citations as printed in the text: [12], [23, 24], [5–7], [3,8-10]
BRACKET_RE = re.compile(r"\[(\d{1,4}(?:\s*[-–—,]\s*\d{1,4})*)\]")
