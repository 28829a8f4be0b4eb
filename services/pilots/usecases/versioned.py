"""The read, create and change that every versioned reference resource shares (organisations,
instruments, activities), over a :class:`~services.pilots.store.versioned.Versioned` repository.

A change is made from the version the caller read: the stored row is read, the caller's
``authorize`` sees it (whose pilot it is), the caller's ``check`` validates the stored row with
the change applied (the API's whole schema, cross-field rules included), and the row is stored
only if it is still at that version. A create or change may publish the resource's event in the
same transaction. The use case functions of ``reference.py`` and ``activities.py`` call these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from services.pilots.store.versioned import Versioned
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope

Row = dict[str, Any]
#: The caller's validation of the stored row with a change applied: ``check(current, change)``.
MergedCheck = Callable[[Row, Row], None]


def read(uow: UnitOfWork, repo: Versioned, value: str) -> Row:
    return repo.get(uow.session, value)


def create(
    uow: UnitOfWork,
    repo: Versioned,
    values: Mapping[str, Any],
    event: Callable[[Row], Envelope] | None = None,
) -> Row:
    row = repo.create(uow.session, values)
    if event is not None:
        uow.publish(event(row))
    return row


def update(
    uow: UnitOfWork,
    repo: Versioned,
    value: str,
    expected_version: int,
    data: Row,
    *,
    check: MergedCheck | None = None,
    authorize: Callable[[Row], None] | None = None,
    event: Callable[[Row], Envelope] | None = None,
) -> Row:
    current = repo.get(uow.session, value)
    if authorize is not None:
        authorize(current)
    if check is not None:
        check(current, data)
    row = repo.update(uow.session, value, expected_version, data)
    if event is not None:
        uow.publish(event(row))
    return row
