"""The rules (admins): which event tells whom (``domain.rules``), and switching a rule off or on
again. A rule is on unless an admin switched it off; events that arrive while it is off tell no
one and are not told later (``usecases.fanout``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.notifications.domain.rules import RULES, Rule
from services.notifications.store import directory
from services.notifications.usecases.access import admins_only
from shared.db import UnitOfWork
from shared.errors import NotFound
from shared.principal import Principal

_ADMINS = "Only admins see and switch the rules."


def _shown(rule: Rule, setting: dict[str, Any] | None) -> dict[str, Any]:
    """A rule as admins see it: what it does, and whether it is on (version 0: never switched)."""
    return {
        "event_type": rule.event_type,
        "description": rule.description,
        "template": rule.template,
        "webhooks": bool(rule.webhook_fields),
        "enabled": setting["enabled"] if setting else True,
        "version": setting["version"] if setting else 0,
        "updated_by": setting["updated_by"] if setting else None,
        "updated_at": setting["updated_at"] if setting else None,
    }


def _rule(event_type: str) -> Rule:
    rule = RULES.get(event_type)
    if rule is None:
        raise NotFound("No rule for this event type.")  # never the path's text: it was sent
    return rule


def list_rules(principal: Principal, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every rule, by event type, on unless an admin switched it off."""
    admins_only(principal, _ADMINS)
    settings = directory.rule_settings(uow.session)
    return [_shown(rule, settings.get(t)) for t, rule in sorted(RULES.items())]


def get_rule(principal: Principal, uow: UnitOfWork, event_type: str) -> dict[str, Any]:
    """One rule (not found for an event type no rule covers)."""
    admins_only(principal, _ADMINS)
    rule = _rule(event_type)
    return _shown(rule, directory.rule_settings(uow.session).get(event_type))


def switch_rule(
    principal: Principal,
    uow: UnitOfWork,
    event_type: str,
    enabled: bool,
    expected_version: Callable[[], int],
) -> dict[str, Any]:
    """Switch a rule off or on, if its setting is still at the version ``expected_version()``
    names (0: never switched) — read once the rule is found (a precondition is not evaluated
    for what is not there, RFC 9110) — precondition failed if another admin switched it since."""
    admins_only(principal, _ADMINS)
    rule = _rule(event_type)
    setting = directory.set_rule(
        uow.session, event_type, enabled, principal.subject, expected_version()
    )
    uow.commit()
    return _shown(rule, setting)
