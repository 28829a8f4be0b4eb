"""The notifications use cases decide who may act before anything is read, whoever calls them (a
view, a consumer, a script): admins only for the directory, the rules, the delivery log and dead
letters; an admin for every organisation or an integration for its own for contacts and
webhooks. And a gathered event counts in its day of Finnish time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from services.notifications.domain.gathering import gathered
from services.notifications.domain.rules import RULES
from services.notifications.usecases import dead_letters, deliveries, directory, rules, webhooks
from services.notifications.usecases.access import ensure_organisation, own_organisation
from shared.db import UnitOfWork
from shared.errors import Forbidden
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from shared.principal import Principal

ROLES = ("admin", "coordinator", "pilot_lead", "pilot_worker", "integration")


def caller(role: str, organisation: str | None = "org-a") -> Principal:
    return Principal(f"{role}-1", role, organisation, frozenset({"pilot-a"}))


class Untouchable:
    """A unit of work that fails the test if a use case reaches its database (or commits)."""

    @property
    def session(self) -> Any:
        raise AssertionError("the use case read the database before refusing the caller")

    def commit(self) -> None:
        raise AssertionError("the use case committed before refusing the caller")

    def rollback(self) -> None:
        raise AssertionError("the use case touched its transaction before refusing the caller")


def never() -> int:
    raise AssertionError("If-Match was read before the caller was refused")


NO_UOW = cast(UnitOfWork, Untouchable())

ADMIN_ONLY: dict[str, Callable[[Principal], object]] = {
    "list recipients": lambda p: directory.list_recipients(p, NO_UOW, {}, None, 10),
    "read a recipient": lambda p: directory.get_recipient(p, NO_UOW, "someone"),
    "put a recipient": lambda p: directory.put_recipient(p, NO_UOW, "someone", {}, never),
    "list rules": lambda p: rules.list_rules(p, NO_UOW),
    "read a rule": lambda p: rules.get_rule(p, NO_UOW, "task.due"),
    "switch a rule": lambda p: rules.switch_rule(p, NO_UOW, "task.due", False, never),
    "list deliveries": lambda p: deliveries.list_deliveries(p, NO_UOW, {}, None, 10),
    "read a delivery": lambda p: deliveries.get_delivery(p, NO_UOW, 1),
    "list dead letters": lambda p: dead_letters.list_dead_letters(p, NO_UOW, {}, None, 10),
}


@pytest.mark.parametrize("action", sorted(ADMIN_ONLY))
@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_admin_only_use_cases_refuse_everyone_else_before_reading_anything(
    action: str, role: str
) -> None:
    with pytest.raises(Forbidden):
        ADMIN_ONLY[action](caller(role))


def test_an_admin_manages_every_organisation_and_an_integration_only_its_own() -> None:
    assert own_organisation(caller("admin", None)) is None
    assert own_organisation(caller("integration", "org-a")) == "org-a"
    ensure_organisation(caller("admin", None), "org-b")
    ensure_organisation(caller("integration", "org-a"), "org-a")
    for refused in (
        caller("integration", "org-a"),
        caller("integration", None),
        caller("coordinator", "org-b"),
    ):
        with pytest.raises(Forbidden):
            ensure_organisation(refused, "org-b")
    for refused in (caller("integration", None), caller("coordinator"), caller("pilot_worker")):
        with pytest.raises(Forbidden):
            own_organisation(refused)


def test_contacts_and_webhooks_refuse_another_organisation_before_reading_anything() -> None:
    other = caller("integration", "org-a")
    with pytest.raises(Forbidden):
        directory.get_contact(other, NO_UOW, "org-b")
    with pytest.raises(Forbidden):
        directory.put_contact(other, NO_UOW, "org-b", {}, never)
    with pytest.raises(Forbidden):
        webhooks.list_webhooks(other, NO_UOW, "org-b", None, 10)
    with pytest.raises(Forbidden):  # not even resolving the URL's name, or sealing a secret
        webhooks.register(
            other,
            NO_UOW,
            cast(Any, None),
            cast(Any, None),
            {"organisation": "org-b", "url": "https://example.org", "event_types": ["case.opened"]},
        )
    nameless = caller("integration", None)
    for act in (
        lambda: webhooks.get_webhook(nameless, NO_UOW, "some-endpoint"),
        lambda: webhooks.withdraw(nameless, NO_UOW, "some-endpoint"),
        lambda: webhooks.change(nameless, NO_UOW, cast(Any, None), "some-endpoint", {}, never),
    ):
        with pytest.raises(Forbidden):
            act()


def test_an_idle_case_counts_in_its_day_of_finnish_time() -> None:
    rule = RULES[EventType.CASE_IDLE]
    data = {"pilot_id": "pilot-a", "case_id": "case-1", "responsible_worker": "worker-1"}
    # 22:30 UTC on 31 January is already 1 February in Helsinki (UTC+2 in winter).
    late = Envelope(
        EventType.CASE_IDLE, "/test", data, time=datetime(2025, 1, 31, 22, 30, tzinfo=UTC)
    )
    found = gathered(rule, late)
    assert found is not None
    assert found.key == "case.idle/pilot-a/2025-02-01"
    assert found.pilot == "pilot-a"
    assert found.link_for("worker-1") == found.named_link != found.link
    assert found.link_for("a-lead") == found.link
    assert gathered(rule, Envelope(EventType.CASE_IDLE, "/test", {})) is None
    assert gathered(RULES[EventType.TASK_DUE], late) is None
