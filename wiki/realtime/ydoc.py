"""PURE helpers around pycrdt: the shared text, offset conversion, and applying a text change.

pycrdt's Text counts UTF-8 bytes, Yjs in the browser counts UTF-16 code units, and Python strings
count code points. Every conversion goes through this module so there is exactly one place to get
it right (and it is tested with emoji, accents and CJK).
"""

from diff_match_patch import diff_match_patch
from pycrdt import Doc, Text, YMessageType, YSyncMessageType, get_update, merge_updates

TEXT_NAME = "markdown"


def new_doc() -> Doc:
    doc = Doc()
    doc.get(TEXT_NAME, type=Text)
    return doc


def text_of(doc: Doc) -> Text:
    return doc.get(TEXT_NAME, type=Text)


def get_text(doc: Doc) -> str:
    return str(text_of(doc))


def byte_offset(text: str, index: int) -> int:
    """Code-point index → UTF-8 byte offset (what pycrdt's Text expects)."""
    return len(text[:index].encode("utf-8"))


def utf16_offset(text: str, index: int) -> int:
    """Code-point index → UTF-16 code-unit offset (what Yjs in the browser uses)."""
    return len(text[:index].encode("utf-16-le")) // 2


def codepoint_from_utf16(text: str, offset: int) -> int:
    """UTF-16 code-unit offset → code-point index (rounding a split surrogate pair forward)."""
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def text_ops(old: str, new: str) -> list[tuple[int, int, str]]:
    """(byte offset, bytes to delete, text to insert) operations turning `old` into `new`.

    Offsets are in the coordinates of the text as already modified by the previous operations, so
    they can be applied in order. A line-mode pass first keeps large rewrites fast and never lets
    diff-match-patch's timeout cut a diff short.
    """
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0
    diffs = dmp.diff_main(old, new, True)
    ops, position = [], 0  # position in bytes in the evolving text
    for op, chunk in diffs:
        size = len(chunk.encode("utf-8"))
        if op == 0:
            position += size
        elif op == -1:
            ops.append((position, size, ""))
        else:
            ops.append((position, 0, chunk))
            position += size
    return ops


def apply_text(doc: Doc, new_text: str) -> bool:
    """Turn the shared text into `new_text` with inserts and deletes, in one transaction.

    Clients receive ordinary updates; the Yjs history is kept (nothing is rebuilt from Markdown).
    Returns whether anything changed.
    """
    text = text_of(doc)
    ops = text_ops(str(text), new_text)
    if not ops:
        return False
    with doc.transaction():
        for position, delete, insert in ops:
            if delete:
                del text[position : position + delete]
            if insert:
                text.insert(position, insert)
    return True


# --- y-protocols sync messages (without the outer message-type byte; see docs/realtime.md) ----


def read_var_uint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode a lib0 varUint at `pos`; raises ValueError on truncated or oversized input."""
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varUint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varUint too long")


def write_var_uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def parse_sync(data: bytes) -> tuple[int, bytes]:
    """(sync type, payload) from a sync message body; ValueError if malformed."""
    kind, pos = read_var_uint(data, 0)
    if kind not in (YSyncMessageType.SYNC_STEP1, YSyncMessageType.SYNC_STEP2, YSyncMessageType.SYNC_UPDATE):
        raise ValueError(f"unknown sync message type {kind}")
    length, pos = read_var_uint(data, pos)
    if pos + length != len(data):
        raise ValueError("sync message length does not match")
    return kind, data[pos:]


def sync_body(kind: int, payload: bytes) -> bytes:
    return write_var_uint(kind) + write_var_uint(len(payload)) + payload


def step1(doc: Doc) -> bytes:
    return sync_body(YSyncMessageType.SYNC_STEP1, doc.get_state())


def step2(doc: Doc, state_vector: bytes) -> bytes:
    return sync_body(YSyncMessageType.SYNC_STEP2, doc.get_update(state_vector))


def merged(updates: list[bytes]) -> bytes:
    """One update holding all of `updates` (the one itself when there is one: merging costs)."""
    return updates[0] if len(updates) == 1 else merge_updates(*updates)


def update_body(update: bytes) -> bytes:
    return sync_body(YSyncMessageType.SYNC_UPDATE, update)


MESSAGE_SYNC = YMessageType.SYNC


def adds_anything(doc: Doc, update: bytes) -> bool:
    """Apply `update` to a scratch copy of `doc` and report whether it changed anything.

    Used for read-only viewers, whose SyncStep2 must not be stored; a copy costs a few ms for a
    large document and happens once per viewer join. Malformed updates count as changes (refused).
    """
    scratch = Doc()
    scratch.apply_update(doc.get_update())
    changed: list[bytes] = []
    scratch.observe(lambda event: changed.append(event.update))
    try:
        scratch.apply_update(update)
    except ValueError:
        return True
    return bool(changed)


def missing_insertions(doc: Doc, update: bytes) -> bool:
    """Whether `update`, already applied to `doc`, holds insertions `doc` still lacks.

    Yrs keeps such structs pending, in memory only and invisible in the text, until the earlier
    update they follow arrives. The diff of the update against the doc's state vector then still
    has structs (its first varUint, the number of clients with structs, is not 0); delete sets are
    always part of a diff, so they are not counted.
    """
    try:
        return get_update(update, doc.get_state())[:1] != b"\x00"
    except ValueError:
        return False
