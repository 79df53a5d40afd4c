"""Imports every model module so the metadata is complete for Alembic and the schema test."""

from wiki.auth import models as auth_models  # noqa: F401
from wiki.awareness import models as awareness_models  # noqa: F401
from wiki.comments import models as comment_models  # noqa: F401
from wiki.consultations import models as consultation_models  # noqa: F401
from wiki.documents import models as document_models  # noqa: F401
from wiki.publishing import models as publishing_models  # noqa: F401
from wiki.realtime import models as realtime_models  # noqa: F401
from wiki.search import models as search_models  # noqa: F401
from wiki.spaces import models as space_models  # noqa: F401
