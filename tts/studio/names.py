"""Names a person typed, set beside the cast's: a typo must not silently become a new
character with a voice of its own. Pure."""

from __future__ import annotations

from collections.abc import Iterable


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest characters added, removed or changed."""
    if len(a) < len(b):
        a, b = b, a
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[len(b)]


def close_names(name: str, existing: Iterable[str]) -> list[str]:
    """The names of `existing` that `name` is probably meant to be: one a part of the
    other (林晓峰 / 晓峰), or a character or two apart (a slip: 祁同伟 / 祁同偉, Darcy /
    Darcey); the closest first. Empty when `name` is one of them (case aside) or none is
    near."""
    wanted = name.strip().casefold()
    found: list[tuple[int, str]] = []
    for other in existing:
        known = other.casefold()
        if known == wanted:
            return []
        allowed = 1 if min(len(known), len(wanted)) <= 4 else 2
        distance = edit_distance(wanted, known)
        if distance <= allowed or (
            min(len(known), len(wanted)) >= 2 and (wanted in known or known in wanted)
        ):
            found.append((distance, other))
    return [other for _, other in sorted(found)]
