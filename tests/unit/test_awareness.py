"""Unit tests for wiki.realtime.awareness: the y-protocols awareness format, identity rewriting, removal.

No Flask: the module is pure. The format is checked against pycrdt's own Awareness (the Python port
of y-protocols/awareness), so what the server relays is what browsers decode.
"""

import json

import pytest
from pycrdt import Awareness, Doc

from wiki.realtime import awareness
from wiki.realtime.ydoc import write_var_uint

ME = {"id": 7, "name": "Ada Editor", "color": "#0b5d8f"}


def entry(client: int, clock: int, raw: bytes) -> bytes:
    return write_var_uint(client) + write_var_uint(clock) + write_var_uint(len(raw)) + raw


def update(*entries: bytes) -> bytes:
    return write_var_uint(len(entries)) + b"".join(entries)


def test_encode_parse_round_trip():
    entries = [
        (1, 0, {"user": {"name": "Zoë 😀"}, "cursor": {"anchor": [1, 2], "head": None}}),
        (2**32 + 5, 17, None),
        (3, 2**40, {}),
    ]
    assert awareness.parse(awareness.encode(entries)) == entries


def test_empty_update():
    assert awareness.parse(awareness.encode([])) == []
    assert awareness.parse(b"\x00") == []


def test_pycrdt_awareness_reads_what_we_encode_and_we_read_what_it_encodes():
    theirs = Awareness(Doc())
    theirs.set_local_state({"user": {"name": "Browser"}, "cursor": {"anchor": 3}})
    data = theirs.encode_awareness_update([theirs.client_id])
    ((client, clock, state),) = awareness.parse(data)
    assert (client, state) == (theirs.client_id, {"user": {"name": "Browser"}, "cursor": {"anchor": 3}})

    rewritten, clients = awareness.with_identity(data, ME)
    assert clients == [theirs.client_id]
    mine = Awareness(Doc())
    mine.apply_awareness_update(rewritten, "server")
    assert mine.states[theirs.client_id] == {"user": ME, "cursor": {"anchor": 3}}
    assert clock >= 1


def test_with_identity_replaces_a_forged_user_and_keeps_the_rest():
    data = awareness.encode([
        (11, 3, {"user": {"id": 1, "name": "Site Admin", "color": "#000"}, "cursor": {"anchor": 5, "head": 9}}),
        (12, 1, {"cursor": None}),  # no user at all: gets one
        (13, 4, None),  # a departure stays a departure
    ])
    rewritten, clients = awareness.with_identity(data, ME)
    assert clients == [11, 12, 13]
    assert awareness.parse(rewritten) == [
        (11, 3, {"user": ME, "cursor": {"anchor": 5, "head": 9}}),
        (12, 1, {"cursor": None, "user": ME}),
        (13, 4, None),
    ]
    assert b"Site Admin" not in rewritten


def test_removal_marks_clients_gone_with_a_newer_clock():
    data = awareness.removal([5, 6], {5: 9})
    assert awareness.parse(data) == [(5, 10, None), (6, 1, None)]
    peer = Awareness(Doc())
    peer.apply_awareness_update(awareness.encode([(5, 9, {"user": ME})]), "server")
    assert 5 in peer.states
    peer.apply_awareness_update(data, "server")
    assert 5 not in peer.states  # the clock moved on, so a peer really drops the cursor


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(update(entry(1, 1, b"{not json")), id="not-json"),
        pytest.param(update(entry(1, 1, b"[1, 2]")), id="array"),
        pytest.param(update(entry(1, 1, b"42")), id="number"),
        pytest.param(update(entry(1, 1, b'"text"')), id="string"),
        pytest.param(update(entry(1, 1, b"true")), id="boolean"),
        pytest.param(update(entry(1, 1, b"NaN")), id="nan"),
        pytest.param(update(entry(1, 1, b"\xff\xfe{}")), id="not-utf8"),
        pytest.param(update(entry(1, 1, b"{}")) + b"\x00", id="trailing-bytes"),
        pytest.param(update(entry(1, 1, b"{}"))[:-1], id="truncated-state"),
        pytest.param(write_var_uint(2) + entry(1, 1, b"{}"), id="fewer-entries-than-announced"),
        pytest.param(write_var_uint(1) + write_var_uint(1), id="missing-clock"),
        pytest.param(update(*[entry(i, 1, b"{}") for i in range(65)]), id="too-many-entries"),
        pytest.param(update(entry(1, 1, b'{"a":"' + b"x" * awareness.MAX_STATE_BYTES + b'"}')), id="state-too-long"),
        pytest.param(write_var_uint(1) + b"\xff" * 12, id="huge-varuint"),
        pytest.param(update(entry(1, 1, b"[" * 5000)), id="deeply-nested-not-json"),
        pytest.param(update(entry(1, 1, b'{"a":' * 2000 + b"1" + b"}" * 2000)), id="deeply-nested-object"),
    ],
)
def test_malformed_updates_raise_value_error(data):
    with pytest.raises(ValueError):
        awareness.parse(data)
    with pytest.raises(ValueError):
        awareness.with_identity(data, ME)


def test_largest_allowed_state_is_accepted():
    raw = json.dumps({"a": "x" * (awareness.MAX_STATE_BYTES - 8)}, separators=(",", ":")).encode()
    assert len(raw) == awareness.MAX_STATE_BYTES
    ((_, _, state),) = awareness.parse(update(entry(1, 1, raw)))
    assert len(state["a"]) == awareness.MAX_STATE_BYTES - 8
