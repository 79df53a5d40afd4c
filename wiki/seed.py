"""Demo data for `make run`: a public demo space, a short draft and one account per role.

Passwords are generated, never written in the repository; they are kept in the instance folder
(mode 0600) so every `make run` can print them again.
"""

import json
import secrets
from pathlib import Path

from wiki.auth.service import count_users, create_user
from wiki.documents.service import create_document
from wiki.files import write_private
from wiki.spaces.service import create_space, set_membership

DEMO_SLUG = "northfield-mental-health"
DEMO_ACCOUNTS = (
    ("admin", "admin@example.org", "Site Admin"),
    ("facilitator", "facilitator@example.org", "Fatima (facilitator)"),
    ("editor", "editor@example.org", "Ed (editor)"),
    ("contributor", "contributor@example.org", "Chris (contributor)"),
)


def _logins_file(instance_path: str) -> Path:
    return Path(instance_path) / "demo-logins.json"


def draft_text() -> str:
    return (Path(__file__).with_name("seed_draft.md")).read_text(encoding="utf-8")


def seed_if_empty(session, instance_path: str) -> bool:
    """Seed only a database with no accounts, so a real deployment is never touched."""
    if count_users(session):
        return False
    space = create_space(
        session, DEMO_SLUG, "Northfield mental health concordat (demo)",
        description="A demo space: a draft concordat co-produced by council, NHS and community partners.",
    )
    logins, users = [], {}
    for role, email, name in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        users[role] = create_user(session, email, name, password, admin=(role == "admin"))
        if role != "admin":
            set_membership(session, space, email, role)
        logins.append([role, email, password])
    session.commit()
    create_document(session, space, users["facilitator"], "Better mental health for everyone", draft_text(),
                    "First draft for the strategy group")
    write_private(_logins_file(instance_path), json.dumps(logins))
    return True


def demo_logins(instance_path: str) -> list[tuple[str, str, str]]:
    path = _logins_file(instance_path)
    return [tuple(row) for row in json.loads(path.read_text())] if path.exists() else []
