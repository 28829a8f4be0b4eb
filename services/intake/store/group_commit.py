"""Group commit: concurrent single-item requests in one web process share one transaction.

A transaction's fixed costs — taking a connection, a round trip per statement, the commit's wait
for the disk — are most of the work of a request that stores one item. So a request that arrives
while a transaction is running waits for it to end, and the next transaction takes everything
waiting by then, led by the oldest waiting request's own thread. Under light load a request is
alone in its transaction and is not delayed; under heavy load the cost per request falls with the
size of the group. Each request still gets its own answer, and the same checks as any other item.

If a shared transaction fails, its items are tried again each in a transaction of its own, so that
one item's failure is never another's.

What is done in the shared transaction is the intake use case's own preparing and storing
(``usecases.items.Intake``, which hands itself in as the ``Batches``): this module only shares
the transaction.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from services.intake.domain.items import ItemResult
from services.intake.domain.validation import Validated
from services.intake.store.items import Prepared
from shared.db import UnitOfWork
from shared.principal import Principal

log = logging.getLogger(__name__)


class Batches(Protocol):
    """What a group's transaction runs: each kind's items prepared, then stored (in their order),
    in a unit of work of its own (``usecases.items.Intake``)."""

    unit_of_work: Callable[[], UnitOfWork]

    def prepare(
        self,
        session: Any,
        kind: str,
        validated: Sequence[Validated],
        principal: Principal | Sequence[Principal],
        import_id: str | None = None,
        *,
        look_up_stored: bool = True,
    ) -> Prepared: ...

    def store(self, uow: UnitOfWork, prepared: Prepared) -> list[ItemResult]: ...


@dataclasses.dataclass(eq=False)
class _Waiting:
    kind: str
    validated: Validated
    principal: Principal
    ready: threading.Event = dataclasses.field(default_factory=threading.Event)
    lead: bool = False
    result: ItemResult | None = None
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, intake: Batches, max_items: int = 100) -> None:
        self.intake = intake
        self.max_items = max_items
        self._lock = threading.Lock()
        self._queue: deque[_Waiting] = deque()
        self._busy = False  # a group is being stored; the next leader is chosen when it ends
        #: Transactions run and items stored through them (for tests and the benchmark).
        self.transactions = 0
        self.items = 0

    def submit(self, kind: str, validated: Validated, principal: Principal) -> ItemResult:
        """Store one validated item, in a transaction shared with whatever else is waiting."""
        me = _Waiting(kind, validated, principal)
        with self._lock:
            self._queue.append(me)
            if not self._busy:
                self._busy = me.lead = True
        if not me.lead:
            me.ready.wait()
        if me.lead:
            self._lead()
        if me.error is not None:
            raise me.error
        assert me.result is not None
        return me.result

    def _lead(self) -> None:
        with self._lock:
            group = [self._queue.popleft() for _ in range(min(len(self._queue), self.max_items))]
        try:
            self._store(group)
        finally:
            with self._lock:
                if self._queue:  # the oldest waiting request leads the next group
                    following = self._queue[0]
                    following.lead = True
                    following.ready.set()
                else:
                    self._busy = False
            for member in group:
                member.lead = False
                member.ready.set()

    def _store(self, group: list[_Waiting]) -> None:
        try:
            results = self._together(group)
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
                return
            log.warning("a group of %d items failed together; storing them one by one", len(group))
            for member in group:
                try:
                    [member.result] = self._together([member]).values()
                except Exception as single:
                    member.error = single
            return
        for member in group:
            member.result = results[id(member)]

    def _together(self, group: list[_Waiting]) -> dict[int, ItemResult]:
        by_kind: dict[str, list[_Waiting]] = {}
        for member in group:
            by_kind.setdefault(member.kind, []).append(member)
        results: dict[int, ItemResult] = {}
        with self.intake.unit_of_work() as uow:
            for kind, members in by_kind.items():
                prepared = self.intake.prepare(
                    uow.session,
                    kind,
                    [m.validated for m in members],
                    [m.principal for m in members],
                    look_up_stored=False,  # storing finds a twin; a new item needs no look-up
                )
                stored = self.intake.store(uow, prepared)  # in the members' order
                for member, result in zip(members, stored, strict=True):
                    results[id(member)] = dataclasses.replace(result, index=0)
            uow.commit()
        with self._lock:
            self.transactions += 1
            self.items += len(group)
        return results
