"""One page of a query's rows, counted: what every list operation returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from app.extensions import db

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int

    def map(self, convert: Callable[[T], R]) -> Page[R]:
        return Page([convert(item) for item in self.items], self.page, self.per_page,
                    self.total)


def paginate(query: sa.Select[Any], order_by: Any, page: int, per_page: int) -> Page[Any]:
    """Rows ``(page - 1) * per_page`` on of ``query`` (one entity selected), in
    ``order_by`` order, with the count of all."""
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
    items = db.session.execute(
        query.order_by(order_by).offset((page - 1) * per_page).limit(per_page)
    ).scalars().all()
    return Page(list(items), page, per_page, total or 0)
