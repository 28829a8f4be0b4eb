"""The one way to client-level data: a repository of cases scoped to the caller, which writes the
audit entry itself.

A :class:`CaseRepository` is built from the caller's principal and the purpose of access. Every
method that reads or changes a case, its transitions, timeline, tasks or audit trail finds the
case *within the caller's scope* (admins: every pilot; workers and leads: their own pilots; a
case of another pilot is :class:`~shared.errors.NotFound`, as if it did not exist) and appends
one audit entry per case it returns, in the caller's transaction — so a read that forgets the
scope or the audit cannot be written with it. Methods below the case (its tasks, timeline, …)
take a :class:`ScopedCase`, which only this repository makes: holding one proves the case was
found in scope and its access audited.

Event handlers and the scheduler work for the system, not for a person, and use the functions in
``store/cases.py`` over the tables; they read no case for anyone.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.pilots.domain.cases import FINAL, IDLE_STATES, OPEN
from services.pilots.store import audit
from services.pilots.store.tables import (
    audit_entry,
    case_task,
    case_transition,
    pilot,
    pilot_case,
    pilot_member,
    timeline_entry,
)
from shared import records
from shared.errors import NotFound
from shared.principal import Principal

_TOKEN = object()


@dataclass(frozen=True)
class ScopedCase:
    """A case found within the caller's scope, its access audited (made only by the repository)."""

    row: Mapping[str, Any]
    _token: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _TOKEN:
            raise TypeError("A ScopedCase is made only by CaseRepository.")

    @property
    def id(self) -> str:
        return str(self.row["id"])

    @property
    def pilot_id(self) -> str:
        return str(self.row["pilot_id"])


@dataclass(frozen=True)
class CaseFilter:
    """Which cases to list (every field optional)."""

    pilot: str | None = None
    state: str | None = None
    responsible: str | None = None
    activity: str | None = None
    referred_from: date | None = None
    referred_to: date | None = None
    idle_at: datetime | None = None  # idle as of this moment (the scheduler's definition)
    code: str | None = None
    previous_case: str | None = None
    open: bool | None = None  # true: not closed or declined; false: closed or declined


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks to list across the caller's cases."""

    assignee: str | None = None
    pilot: str | None = None
    due_on: date | None = None  # due exactly this day
    overdue_on: date | None = None  # due before this day and not done
    open: bool | None = None


def episode_entries(session: Session, row: Mapping[str, Any]) -> sa.ColumnElement[bool]:
    """The timeline entries of the case ``row``'s episode: the case's own moves, and the consumed
    events of its young person in the pilot from its referral (a first case: from the
    beginning) to the next episode's referral."""
    t = timeline_entry.c
    window: list[sa.ColumnElement[bool]] = [t.kind != "transition"]
    if row.get("episode_from") is not None:
        window.append(t.occurred_at >= row["episode_from"])
    following = session.execute(
        sa.select(pilot_case.c.episode_from).where(pilot_case.c.previous_case_id == row["id"])
    ).scalar()
    if following is not None:
        window.append(t.occurred_at < following)
    # A move names its case; one recorded before episodes existed belongs to the first case.
    own_move = sa.and_(
        t.kind == "transition",
        t.summary["case_id"].astext == row["id"]
        if row.get("previous_case_id") is not None
        else sa.func.coalesce(t.summary["case_id"].astext, row["id"]) == row["id"],
    )
    return sa.and_(
        t.pilot_id == row["pilot_id"],
        t.key_id == row["key_id"],
        t.pseudonym == row["pseudonym"],
        sa.or_(sa.and_(*window), own_move),
    )


def idle_condition(now: Any) -> sa.ColumnElement[bool]:
    """A case idle at ``now``: open, and both its coming here and its last activity more than its
    pilot's ``idle_days`` ago (needs ``pilot`` joined). The scheduler and the lists share it."""
    quiet_since = sa.func.greatest(pilot_case.c.created_at, pilot_case.c.last_activity_at)
    return sa.and_(
        pilot_case.c.state.in_(IDLE_STATES),
        quiet_since < now - sa.func.make_interval(0, 0, 0, pilot.c.idle_days),
    )


class CaseRepository:
    """Cases and what belongs to them, as the caller may see them; every access audited."""

    def __init__(self, session: Session, principal: Principal, purpose: str) -> None:
        if purpose not in audit.PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
        self.session = session
        self.principal = principal
        self.purpose = purpose

    # --- scope and audit ------------------------------------------------------------------

    def _visible(self) -> sa.ColumnElement[bool]:
        if self.principal.role == "admin":
            return sa.true()
        if self.principal.role not in ("pilot_lead", "pilot_worker"):
            return sa.false()
        return pilot_case.c.pilot_id.in_(sorted(self.principal.pilots))

    def _audit(self, action: str, rows: list[dict[str, Any]]) -> None:
        audit.record(self.session, self.principal, action, rows, self.purpose)

    def _scoped(self, row: Mapping[str, Any]) -> ScopedCase:
        return ScopedCase(row, _TOKEN)

    # --- cases ----------------------------------------------------------------------------

    def get(self, case_id: str, action: str, *, lock: bool = False) -> ScopedCase:
        """The case if the caller may see it (404 otherwise, also for another pilot's case)."""
        stmt = sa.select(pilot_case).where(pilot_case.c.id == case_id, self._visible())
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).mappings().first()
        if row is None:
            raise NotFound("No such case among your pilots.")
        self._audit(action, [dict(row)])
        return self._scoped(dict(row))

    def find(
        self, where: CaseFilter, cursor: str | None, limit: int, action: str = "list"
    ) -> list[dict[str, Any]]:
        """Up to ``limit + 1`` cases after the cursor (the extra one says there is more); the
        ``limit`` returned are audited."""
        c = pilot_case.c
        stmt = _case_filters(sa.select(pilot_case).where(self._visible()), where)
        rows = records.page_rows(self.session, stmt, c.id, cursor, limit)
        self._audit(action, rows[:limit])
        return rows

    def count(self, where: CaseFilter) -> int:
        """How many cases match — a count reads no case, so nothing is audited."""
        stmt = sa.select(sa.func.count()).select_from(pilot_case).where(self._visible())
        return int(self.session.execute(_case_filters(stmt, where)).scalar_one())

    def update(self, case: ScopedCase, expected_version: int, values: Mapping[str, Any]) -> dict:
        return records.update(
            self.session, pilot_case, "id", case.id, expected_version, values, "case"
        )

    def is_member(self, case: ScopedCase, subject: str) -> bool:
        """Whether ``subject`` is a worker or lead of the case's pilot."""
        return (
            self.session.execute(
                sa.select(pilot_member.c.subject).where(
                    pilot_member.c.pilot_id == case.pilot_id, pilot_member.c.subject == subject
                )
            ).first()
            is not None
        )

    # --- what belongs to a case -------------------------------------------------------------

    def transitions(self, case: ScopedCase) -> list[dict[str, Any]]:
        rows = self.session.execute(
            sa.select(case_transition)
            .where(case_transition.c.case_id == case.id)
            .order_by(case_transition.c.id)
        ).mappings()
        return [dict(r) for r in rows]

    def timeline(self, case: ScopedCase) -> list[dict[str, Any]]:
        """The young person's timeline in the pilot within this case's episode (see
        :func:`episode_entries`). A participation an attendance register corrected is shown by
        its correction only (the entry whose ``corrects`` names it), whatever order they came
        in; both stay stored."""
        t = timeline_entry.c
        stmt = sa.select(timeline_entry).where(episode_entries(self.session, case.row))
        rows = [
            dict(r) for r in self.session.execute(stmt.order_by(t.occurred_at, t.id)).mappings()
        ]
        corrected = {r["summary"].get("corrects") for r in rows} - {None}
        return [r for r in rows if r["event_id"] not in corrected]

    def tasks(self, case: ScopedCase) -> list[dict[str, Any]]:
        rows = self.session.execute(
            sa.select(case_task)
            .where(case_task.c.case_id == case.id)
            .order_by(case_task.c.due_on, case_task.c.id)
        ).mappings()
        return [dict(r) for r in rows]

    def task(self, case: ScopedCase, task_id: str) -> dict[str, Any]:
        row = (
            self.session.execute(
                sa.select(case_task).where(
                    case_task.c.id == task_id, case_task.c.case_id == case.id
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("No such task in this case.")
        return dict(row)

    def add_task(self, case: ScopedCase, values: Mapping[str, Any]) -> dict[str, Any]:
        return records.create(
            self.session,
            case_task,
            {"id": str(uuid.uuid4()), "case_id": case.id, "created_by": self.principal.subject}
            | dict(values),
            "task",
        )

    def update_task(
        self, case: ScopedCase, task_id: str, expected_version: int, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        self.task(case, task_id)
        return records.update(
            self.session, case_task, "id", task_id, expected_version, values, "task"
        )

    def access_log(self, case: ScopedCase) -> list[dict[str, Any]]:
        """Who read or changed the case, when, in what role and for what purpose."""
        a = audit_entry.c
        rows = self.session.execute(
            sa.select(a.at, a.subject, a.role, a.organisation, a.action, a.purpose, a.case_id)
            .where(a.case_id == case.id)
            .order_by(a.id)
        ).mappings()
        return [dict(r) for r in rows]

    # --- tasks across cases -------------------------------------------------------------------

    def list_tasks(self, where: TaskFilter, cursor: str | None, limit: int) -> list[dict[str, Any]]:
        """Tasks of the caller's cases, by due date then id (the cursor is the pair); each task's
        case is audited (``list_tasks``) once per page."""
        t = case_task.c
        stmt = (
            sa.select(case_task, pilot_case.c.pilot_id, pilot_case.c.code.label("case_code"))
            .join(pilot_case, pilot_case.c.id == t.case_id)
            .where(self._visible())
        )
        stmt = _task_filters(stmt, where)
        # ISO dates sort as text; to_char, not a cast, so the server's DateStyle cannot change it
        sort_key = sa.func.concat(sa.func.to_char(t.due_on, "YYYY-MM-DD"), "|", t.id)
        rows = records.page_rows(self.session, stmt, sort_key, cursor, limit)
        for row in rows:
            row["sort_key"] = f"{row['due_on'].isoformat()}|{row['id']}"
        seen: dict[str, dict[str, Any]] = {}
        for row in rows[:limit]:
            seen.setdefault(row["case_id"], {"id": row["case_id"], "pilot_id": row["pilot_id"]})
        self._audit("list_tasks", list(seen.values()))
        return rows

    def count_tasks(self, where: TaskFilter) -> int:
        t = case_task.c
        stmt = (
            sa.select(sa.func.count())
            .select_from(case_task.join(pilot_case, pilot_case.c.id == t.case_id))
            .where(self._visible())
        )
        stmt = _task_filters(stmt, where)
        return int(self.session.execute(stmt).scalar_one())


def _task_filters(stmt: sa.Select[Any], where: TaskFilter) -> sa.Select[Any]:
    t = case_task.c
    if where.assignee is not None:
        stmt = stmt.where(t.assignee == where.assignee)
    if where.pilot is not None:
        stmt = stmt.where(pilot_case.c.pilot_id == where.pilot)
    if where.due_on is not None:
        stmt = stmt.where(t.due_on == where.due_on, sa.not_(t.done))
    if where.overdue_on is not None:
        stmt = stmt.where(t.due_on < where.overdue_on, sa.not_(t.done))
    if where.open is not None:
        stmt = stmt.where(t.done == (not where.open))
    return stmt


def _case_filters(stmt: sa.Select[Any], where: CaseFilter) -> sa.Select[Any]:
    c = pilot_case.c
    if where.pilot is not None:
        stmt = stmt.where(c.pilot_id == where.pilot)
    if where.state is not None:
        stmt = stmt.where(c.state == where.state)
    if where.responsible is not None:
        stmt = stmt.where(c.responsible_worker == where.responsible)
    if where.referred_from is not None:
        stmt = stmt.where(c.referred_on >= where.referred_from)
    if where.referred_to is not None:
        stmt = stmt.where(c.referred_on <= where.referred_to)
    if where.open is not None:
        stmt = stmt.where(c.state.in_(OPEN) if where.open else c.state.in_(sorted(FINAL)))
    if where.code is not None:
        stmt = stmt.where(c.code == where.code)
    if where.previous_case is not None:
        stmt = stmt.where(c.previous_case_id == where.previous_case)
    if where.activity is not None:
        stmt = stmt.where(
            sa.exists().where(
                timeline_entry.c.pilot_id == c.pilot_id,
                timeline_entry.c.key_id == c.key_id,
                timeline_entry.c.pseudonym == c.pseudonym,
                timeline_entry.c.summary["activity_id"].astext == where.activity,
            )
        )
    if where.idle_at is not None:
        stmt = stmt.join(pilot, pilot.c.id == c.pilot_id).where(
            idle_condition(sa.bindparam("idle_at", where.idle_at))
        )
    return stmt
