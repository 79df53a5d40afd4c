"""Offset pagination for long lists, shared by pages and the API."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(raw) -> int:
    """A page number from user input: anything odd means page 1, never an error page."""
    try:
        return max(1, min(int(raw), 1_000_000))
    except (TypeError, ValueError):
        return 1


def paginate(session, query, raw_page, per_page: int | None = None) -> Page:
    per_page = per_page or current_app.config["PER_PAGE"]
    number = page_number(raw_page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.limit(per_page).offset((number - 1) * per_page)))
    return Page(items=items, number=number, per_page=per_page, total=total)
