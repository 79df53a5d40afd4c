"""PURE registry of what each feature holds about a person: one part per feature, each able to
export it (the "download my data" file) and, where the feature keeps personal data, erase it.

Why a registry: features are built separately (comments, consultation rounds, notifications…) and
the data download must stay complete as they arrive. Each feature writes two small functions next to
its own models and adds one line to wiki/privacy/parts.py; the export and the erasure then cover it
without knowing its tables. Nothing is discovered by magic: the parts file is the whole list.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Exporter = Callable[[Any, Any], Any]  # (db session, user) -> JSON-serialisable value
Eraser = Callable[[Any, Any], None]  # (db session, user) -> None; runs inside the erasure transaction


@dataclass(frozen=True)
class Part:
    name: str  # the key of this part in the exported JSON
    export: Exporter
    erase: Eraser | None = None  # None: the feature keeps nothing personal beyond what others erase
    description: str = ""  # one line for docs/privacy.md and the erase page


class Registry:
    """Parts in the order they appear in the export (and are erased)."""

    def __init__(self, parts: tuple[Part, ...] | list[Part] = ()):
        self._parts: dict[str, Part] = {}
        for part in parts:
            self.add(part)

    def add(self, part: Part) -> None:
        if not part.name or part.name in self._parts:
            raise ValueError(f"privacy part names must be unique and non-empty: {part.name!r}")
        self._parts[part.name] = part

    def parts(self) -> list[Part]:
        return list(self._parts.values())

    def export(self, session, user) -> dict:
        """Every part's export, keyed by part name."""
        return {part.name: part.export(session, user) for part in self._parts.values()}

    def erase(self, session, user) -> None:
        """Every part's eraser, in order; the caller commits once, so erasure is all or nothing."""
        for part in self._parts.values():
            if part.erase is not None:
                part.erase(session, user)
