"""The one list of what each feature holds about a person (see registry.py for why).

A feature that stores personal data adds a Part here: `export(session, user)` returns its share of
the "download my data" file (JSON-serialisable; never another person's private data, never a
password or token hash); `erase(session, user)`, if any, removes or anonymises it inside the
erasure transaction (no commit, no signal: the privacy service does both once for all parts).
Features that only need to react after an erasure may instead listen to `signals.user_erased`.
"""

import functools

from wiki.privacy.registry import Part, Registry


@functools.cache
def registry() -> Registry:
    from wiki.auth import privacy as accounts
    from wiki.awareness import privacy as awareness
    from wiki.comments import privacy as comments
    from wiki.documents import privacy as documents
    from wiki.publishing import privacy as editions
    from wiki.spaces import privacy as spaces

    kept = "credited to “deleted participant”"
    return Registry([
        Part("profile", accounts.export_profile, accounts.erase_profile,
             "The email address, display name, password and perspectives are erased; every sign-in ends."),
        Part("consent_history", accounts.export_consent_history, accounts.erase_consent_history,
             "The record of consent to keep perspectives is erased."),
        Part("api_tokens", accounts.export_api_tokens, accounts.erase_api_tokens,
             "API tokens are erased and stop working."),
        Part("memberships", spaces.export_memberships, spaces.erase_memberships,
             "Memberships of spaces end."),
        Part("revisions", documents.export_revisions, None,
             f"Revisions stay in each document’s history, {kept}."),
        Part("named_versions", documents.export_named_versions, None,
             f"Named versions stay, {kept}."),
        Part("comments", comments.export_comments, comments.erase_comment_perspectives,
             f"Comments stay, {kept} (anonymous ones stay anonymous); the perspective shown with them "
             "is removed."),
        Part("agrees", comments.export_agrees, None, "Agreements with comments stay as anonymous counts."),
        Part("flags", comments.export_flags, None, "Flags on comments stay, without a name."),
        Part("moderation", comments.export_moderation, None,
             "Moderation done as a facilitator stays in the log, without a name."),
        Part("published_editions", editions.export_published_editions, None,
             f"Editions you published stay, {kept}. A published edition never changes: a name already "
             "printed in its acknowledgements stays in that file; later editions leave it out."),
        Part("notifications", awareness.export_awareness, awareness.erase_awareness,
             "What you watch, your notifications, email settings, private feed link, last visits and the "
             "email sent to you are erased."),
    ])
