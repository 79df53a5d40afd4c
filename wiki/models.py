"""Imports every model module so the metadata is complete for Alembic and the schema test."""

from wiki.auth.models import ApiToken, ConsentRecord, User  # noqa: F401
from wiki.documents.models import Document, NamedVersion, Revision  # noqa: F401
from wiki.realtime.models import DocUpdate  # noqa: F401
from wiki.spaces.models import Membership, Space  # noqa: F401
from wiki.comments.models import Comment, CommentAgree, CommentEdit, CommentFlag, ModerationAction, Thread, ThreadAnchor  # noqa: F401, E501
