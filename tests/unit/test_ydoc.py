"""Unit tests for wiki.realtime.ydoc: offsets, text changes as CRDT operations, sync messages.

No Flask, no database: pycrdt, diff-match-patch and the module under test only. Offsets are checked
against the real engine (pycrdt counts UTF-8 bytes) and against hand-counted UTF-16 units (what Yjs
in the browser counts).
"""

import random

import pytest
from pycrdt import Doc, Text, YSyncMessageType, create_sync_message, create_update_message

from wiki.realtime import ydoc

STEP1, STEP2, UPDATE = YSyncMessageType.SYNC_STEP1, YSyncMessageType.SYNC_STEP2, YSyncMessageType.SYNC_UPDATE

SAMPLES = [
    "",
    "plain ascii",
    "café crème",  # precomposed accents (2 UTF-8 bytes, 1 UTF-16 unit)
    "cafe\u0301 cre\u0300me",  # combining accents: two code points per visible letter
    "emoji 😀 and 👍🏽 and 𝄞",  # astral: 4 UTF-8 bytes, 2 UTF-16 units
    "family 👩\u200d👩\u200d👧 joined by ZWJ",
    "中文和日本語のテキスト",  # CJK: 3 UTF-8 bytes, 1 UTF-16 unit
    "mixed: é😀中\u0301\n\tend",
]
ALPHABET = ["a", "b", " ", "\n", "é", "e\u0301", "😀", "👍🏽", "中", "文", "ß", "𝄞", "#", "-", "\t"]


def utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def random_text(rng: random.Random, max_len: int = 30) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, max_len)))


def recording(doc: Doc) -> list[bytes]:
    """Every update `doc` makes from now on, in order."""
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    return updates


# ------------------------------------------------------------------------------------------ offsets


def test_offsets_of_known_strings():
    text = "a😀é中b"
    assert [ydoc.byte_offset(text, i) for i in range(6)] == [0, 1, 5, 7, 10, 11]
    assert [ydoc.utf16_offset(text, i) for i in range(6)] == [0, 1, 3, 4, 5, 6]
    assert [ydoc.codepoint_from_utf16(text, u) for u in (0, 1, 3, 4, 5, 6)] == [0, 1, 2, 3, 4, 5]


def test_combining_characters_count_as_separate_code_points():
    text = "e\u0301x"  # é as e + COMBINING ACUTE
    assert len(text) == 3
    assert ydoc.byte_offset(text, 1) == 1 and ydoc.byte_offset(text, 2) == 3
    assert ydoc.utf16_offset(text, 2) == 2


def test_split_surrogate_pair_rounds_forward():
    text = "a😀b"
    assert ydoc.codepoint_from_utf16(text, 2) == 2  # between the two halves of 😀 → after it
    assert ydoc.codepoint_from_utf16(text, 99) == len(text)  # past the end → the end


@pytest.mark.parametrize("text", SAMPLES)
def test_offset_round_trips(text):
    units = 0
    for index in range(len(text) + 1):
        assert ydoc.utf16_offset(text, index) == units
        assert ydoc.codepoint_from_utf16(text, units) == index
        assert ydoc.byte_offset(text, index) == len(text[:index].encode("utf-8"))
        if index < len(text):
            units += utf16_units(text[index])


@pytest.mark.parametrize("text", SAMPLES)
def test_byte_offset_is_what_pycrdt_text_expects(text):
    """Inserting at byte_offset(text, i) puts the insertion at code point i, for every i."""
    for index in range(len(text) + 1):
        doc = Doc()
        shared = doc.get("t", type=Text)
        shared += text
        shared.insert(ydoc.byte_offset(text, index), "|")
        assert str(shared) == text[:index] + "|" + text[index:]


# ---------------------------------------------------------------------------------- changing text


def test_text_ops_replayed_on_bytes_give_the_new_text():
    rng = random.Random(7)
    for _ in range(200):
        old, new = random_text(rng), random_text(rng)
        data = old.encode("utf-8")
        for position, delete, insert in ydoc.text_ops(old, new):
            data = data[:position] + insert.encode("utf-8") + data[position + delete :]
        assert data.decode("utf-8") == new


def test_apply_text_turns_any_text_into_any_other_and_a_synced_copy_follows():
    rng = random.Random(42)
    for _ in range(150):
        old, new = random_text(rng), random_text(rng)
        source = ydoc.new_doc()
        ydoc.apply_text(source, old)
        replica = ydoc.new_doc()
        replica.apply_update(source.get_update())
        updates = recording(source)
        changed = ydoc.apply_text(source, new)
        assert changed is (old != new)
        assert ydoc.get_text(source) == new
        assert len(updates) == (1 if changed else 0)  # one transaction → one update for clients
        for update in updates:
            replica.apply_update(update)
        assert ydoc.get_text(replica) == new


def test_apply_text_sequence_keeps_a_replica_in_step():
    rng = random.Random(3)
    source, replica = ydoc.new_doc(), ydoc.new_doc()
    updates = recording(source)
    for _ in range(60):
        target = random_text(rng, 60)
        ydoc.apply_text(source, target)
        while updates:
            replica.apply_update(updates.pop(0))
        assert ydoc.get_text(replica) == target


def test_apply_text_edits_instead_of_rebuilding_so_concurrent_typing_survives_once():
    """A server-side change made with ops merges with a client's concurrent edit, with no duplication.

    (Rebuilding the text — delete all, insert all — would still converge, but the client's insertion
    would end up beside a copy of the text it was typed into, not inside it.)
    """
    server = ydoc.new_doc()
    ydoc.apply_text(server, "# Plan\n\nHousing first.\n\nTransport 🚆 later.\n")
    client = ydoc.new_doc()
    client.apply_update(server.get_update())
    client_updates = recording(client)
    server_updates = recording(server)
    text = ydoc.get_text(client)
    ydoc.text_of(client).insert(ydoc.byte_offset(text, text.index("later")), "much ")
    ydoc.apply_text(server, "# Plan\n\nHousing first, always.\n\nTransport 🚆 later.\n")
    for update in server_updates:
        client.apply_update(update)
    for update in client_updates:
        server.apply_update(update)
    expected = "# Plan\n\nHousing first, always.\n\nTransport 🚆 much later.\n"
    assert ydoc.get_text(server) == ydoc.get_text(client) == expected


# --------------------------------------------------------------------------------- sync messages


@pytest.mark.parametrize("kind", [STEP1, STEP2, UPDATE])
@pytest.mark.parametrize("payload", [b"", b"\x00", bytes(range(256)), b"x" * 20000])
def test_sync_body_round_trip(kind, payload):
    assert ydoc.parse_sync(ydoc.sync_body(kind, payload)) == (kind, payload)


@pytest.mark.parametrize("value", [0, 1, 127, 128, 255, 16383, 16384, 2**31, 2**53 + 1, 2**63])
def test_var_uint_round_trip(value):
    encoded = ydoc.write_var_uint(value) + b"tail"
    assert ydoc.read_var_uint(encoded, 0) == (value, len(encoded) - 4)


def test_messages_match_pycrdt_and_y_protocols():
    """Our bodies are pycrdt's (= y-protocols') sync messages without the outer type byte."""
    doc = ydoc.new_doc()
    ydoc.apply_text(doc, "hello ☃")
    assert create_sync_message(doc)[1:] == ydoc.step1(doc)
    update = doc.get_update()
    assert create_update_message(update)[1:] == ydoc.update_body(update)
    assert ydoc.parse_sync(ydoc.update_body(update)) == (UPDATE, update)


def test_step1_and_step2_bring_a_peer_up_to_date():
    server, client = ydoc.new_doc(), ydoc.new_doc()
    ydoc.apply_text(server, "shared 😀 text")
    kind, state_vector = ydoc.parse_sync(ydoc.step1(client))
    assert kind == STEP1
    kind, update = ydoc.parse_sync(ydoc.step2(server, state_vector))
    assert kind == STEP2
    client.apply_update(update)
    assert ydoc.get_text(client) == "shared 😀 text"
    _, up_to_date = ydoc.parse_sync(ydoc.step2(server, client.get_state()))
    assert not ydoc.adds_anything(client, up_to_date)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00", id="no-length"),
        pytest.param(b"\x02\x05abc", id="truncated-payload"),
        pytest.param(b"\x02\x02abc", id="payload-longer-than-length"),
        pytest.param(b"\x00\x80", id="truncated-varuint"),
        pytest.param(b"\x03\x00", id="unknown-type-3"),
        pytest.param(b"\x7f\x00", id="unknown-type-127"),
        pytest.param(b"\x80\x01\x00", id="unknown-type-128"),
        pytest.param(b"\x02" + b"\xff" * 12 + b"\x01", id="huge-varuint"),
        pytest.param(b"\x02" + b"\xff" * 9 + b"\x01", id="length-2**64"),
        pytest.param(b"\xff" * 20, id="all-ff"),
    ],
)
def test_malformed_sync_messages_raise_value_error(data):
    with pytest.raises(ValueError):
        ydoc.parse_sync(data)


def test_truncating_a_valid_message_anywhere_is_refused():
    body = ydoc.update_body(b"y" * 300)  # two-byte length
    for cut in range(len(body)):
        with pytest.raises(ValueError):
            ydoc.parse_sync(body[:cut])


def test_step2_for_a_garbage_state_vector_raises_value_error():
    doc = ydoc.new_doc()
    ydoc.apply_text(doc, "x")
    with pytest.raises(ValueError):
        ydoc.step2(doc, b"\xff\xff\xff")


# --------------------------------------------------------------------------------- adds_anything


def test_adds_anything_new_duplicate_and_malformed():
    server, client = ydoc.new_doc(), ydoc.new_doc()
    ydoc.apply_text(server, "base ✓")
    client.apply_update(server.get_update())
    updates = recording(client)
    text = ydoc.get_text(client)
    ydoc.text_of(client).insert(ydoc.byte_offset(text, len(text)), " 😀 more")
    (new,) = updates

    assert ydoc.adds_anything(server, new) is True
    assert ydoc.get_text(server) == "base ✓"  # judged on a copy: the doc itself is untouched
    assert ydoc.adds_anything(server, server.get_update()) is False  # everything it already has
    assert ydoc.adds_anything(server, ydoc.new_doc().get_update()) is False  # an empty update

    server.apply_update(new)
    assert ydoc.adds_anything(server, new) is False  # a duplicate
    assert ydoc.adds_anything(server, b"\xff\xfe garbage") is True  # malformed counts as a change


def test_adds_anything_sees_deletions():
    server, client = ydoc.new_doc(), ydoc.new_doc()
    ydoc.apply_text(server, "delete me")
    client.apply_update(server.get_update())
    updates = recording(client)
    del ydoc.text_of(client)[0:7]
    assert ydoc.adds_anything(server, updates[0]) is True
