"""PURE: who a comment mentions with "@display name".

Display names may contain spaces ("Sam Lee"), so a mention cannot stop at the first space. The rule:

* ``@`` starts a mention at the start of the text or after a character that is not a letter, digit
  or underscore (so ``name@example.org`` mentions nobody).
* The text after ``@`` is compared, ignoring case and collapsing runs of spaces, with the display
  names of the people who could be meant (the service passes the space's members, watchers and the
  document's commenters and authors — never the whole user base). The **longest** name that matches
  and is followed by a non-word character (or the end) wins: with "Sam" and "Sam Lee" both
  candidates, "@Sam Lee, thanks" means Sam Lee and "@Sam, thanks" means Sam.
* If that longest name belongs to **more than one** candidate, the mention is ambiguous and nobody is
  notified (telling the wrong person is worse than telling nobody; the comment is still visible on
  the page). People sharing a name can be told apart by choosing distinct display names.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w")
_SPACES = re.compile(r"\s+")


def _norm(name: str) -> str:
    return _SPACES.sub(" ", name.strip()).casefold()


def _follows_boundary(text: str, end: int) -> bool:
    return end >= len(text) or not _WORD.match(text[end])


def _match_length(text: str, start: int, name: str) -> int | None:
    """How many characters of ``text`` from ``start`` spell ``name`` (spaces may be any whitespace
    run, letters any case), or None."""
    i = start
    for part_index, part in enumerate(name.split(" ")):
        if part_index:
            gap = _SPACES.match(text, i)
            if gap is None:
                return None
            i = gap.end()
        chunk = text[i:i + len(part)]
        if chunk.casefold() != part:
            return None
        i += len(part)
    return i - start if _follows_boundary(text, i) else None


def find_mentions(text: str, names: dict[int, str]) -> frozenset[int]:
    """The user ids ``text`` mentions unambiguously, from ``names`` ({user id: display name})."""
    by_name: dict[str, set[int]] = {}
    for user_id, name in names.items():
        key = _norm(name or "")
        if key:
            by_name.setdefault(key, set()).add(user_id)
    ordered = sorted(by_name, key=len, reverse=True)  # longest first: the first match wins
    found: set[int] = set()
    for at in re.finditer("@", text or ""):
        start = at.start()
        if start > 0 and _WORD.match(text[start - 1]):
            continue
        for name in ordered:
            if _match_length(text, start + 1, name) is not None:
                if len(by_name[name]) == 1:
                    found |= by_name[name]
                break
    return frozenset(found)
