"""The privacy registry (pure): parts keep their order, names are unique, every exporter is asked
and every eraser runs once, in order, in the caller's transaction."""

import pytest

from wiki.privacy.registry import Part, Registry


def test_export_asks_every_part_in_order_with_the_session_and_user():
    calls = []

    def exporter(name):
        def export(session, user):
            calls.append((name, session, user))
            return {"of": name}
        return export

    registry = Registry([Part("profile", exporter("profile")), Part("comments", exporter("comments"))])
    assert list(registry.export("S", "U")) == ["profile", "comments"]
    assert registry.export("S", "U")["comments"] == {"of": "comments"}
    assert calls[:2] == [("profile", "S", "U"), ("comments", "S", "U")]


def test_erase_runs_each_eraser_once_in_order_and_skips_parts_without_one():
    erased = []
    registry = Registry([
        Part("a", lambda s, u: None, lambda s, u: erased.append(("a", u))),
        Part("b", lambda s, u: None),
        Part("c", lambda s, u: None, lambda s, u: erased.append(("c", u))),
    ])
    registry.erase("S", 7)
    assert erased == [("a", 7), ("c", 7)]


def test_a_failing_eraser_stops_the_rest_so_the_caller_rolls_back_everything():
    erased = []

    def boom(session, user):
        raise RuntimeError("disk full")

    registry = Registry([Part("a", lambda s, u: None, boom),
                         Part("b", lambda s, u: None, lambda s, u: erased.append(u))])
    with pytest.raises(RuntimeError):
        registry.erase("S", 1)
    assert erased == []


@pytest.mark.parametrize("name", ["", "profile"])
def test_names_must_be_unique_and_non_empty(name):
    registry = Registry([Part("profile", lambda s, u: None)])
    with pytest.raises(ValueError):
        registry.add(Part(name, lambda s, u: None))
