"""PURE reading and rewriting of y-protocols awareness updates.

Format (lib0): varUint count, then per client: varUint clientID, varUint clock, varString JSON
state ("null" when the client left). The server rewrites each state's "user" field with the
authenticated identity, so names and colours shown beside cursors cannot be forged.
"""

import json

from wiki.realtime.ydoc import read_var_uint, write_var_uint

MAX_STATE_BYTES = 16 * 1024


def _read_string(data: bytes, pos: int) -> tuple[str, int]:
    length, pos = read_var_uint(data, pos)
    if length > MAX_STATE_BYTES or pos + length > len(data):
        raise ValueError("awareness state too long or truncated")
    return data[pos : pos + length].decode("utf-8"), pos + length


def parse(data: bytes) -> list[tuple[int, int, dict | None]]:
    """[(client id, clock, state or None)]; ValueError if malformed."""
    count, pos = read_var_uint(data, 0)
    if count > 64:
        raise ValueError("too many awareness entries")
    entries = []
    for _ in range(count):
        client, pos = read_var_uint(data, pos)
        clock, pos = read_var_uint(data, pos)
        raw, pos = _read_string(data, pos)
        try:
            state = json.loads(raw)
        except RecursionError:  # "[[[[…" within the size limit: not a ValueError by itself
            raise ValueError("awareness state nested too deeply") from None
        if state is not None and not isinstance(state, dict):
            raise ValueError("awareness state must be an object or null")
        entries.append((client, clock, state))
    if pos != len(data):
        raise ValueError("trailing bytes in awareness update")
    return entries


def encode(entries: list[tuple[int, int, dict | None]]) -> bytes:
    out = bytearray(write_var_uint(len(entries)))
    for client, clock, state in entries:
        raw = json.dumps(state, separators=(",", ":")).encode("utf-8")
        out += write_var_uint(client) + write_var_uint(clock) + write_var_uint(len(raw)) + raw
    return bytes(out)


def with_identity(data: bytes, user: dict) -> tuple[bytes, list[int]]:
    """The update with every live state's "user" replaced by `user`; also the client ids in it."""
    entries = parse(data)
    rewritten = [(c, k, None if s is None else {**s, "user": user}) for c, k, s in entries]
    try:
        return encode(rewritten), [c for c, _, _ in entries]
    except RecursionError:
        raise ValueError("awareness state nested too deeply") from None


def removal(clients: list[int], clocks: dict[int, int]) -> bytes:
    """An update telling peers these clients are gone (state null, clock advanced)."""
    return encode([(c, clocks.get(c, 0) + 1, None) for c in clients])
