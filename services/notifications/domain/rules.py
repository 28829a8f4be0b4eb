"""The rules: which event tells whom, with which message, which link, and what a webhook may carry.

A rule is data, not code: the event type, the people it tells (its audiences), the template of
its message, the event fields the message may show, the path of its link in the web UI, and the
event fields a webhook receiver gets. Everything a message or a webhook carries is on an
allow-list here, so a field added to an event later (a pseudonym, a task's title) never reaches
anyone by accident: notifications say what happened and link to it — never who it happened to.

A rule may *gather* its events (``Gathering``): the events one person is told of for one pilot
on one day (Finnish time) are one inbox item that counts them, and at most one e-mail — so that a
flood of idle cases after a region's history is imported is one notice per pilot lead, not
thousands.

An event that tells its pilot's members (a new referral tells the pilot's workers; an idle case
with no responsible worker, its leads) waits, if this service has no copy of its pilot yet, until
the pilot's ``pilot.published`` comes (``needs_pilot``); what waits is only what its rule reads of
it (``rule_fields``).

A rule may tell no one at all and only reach webhooks (``case.opened``: the referring
organisation's system learns the case code for its own source id). A field of an event may be
named by its path (``referral.source_id``): a webhook carries it under its last name
(``source_id``), and ``organisations_from`` may name the organisation so too.

Every rule is on by default; admins switch rules off and on over the API (``/v1/rules``).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from shared.messaging.events import EventType
from shared.ui_routes import template as ui

#: A user's channels: the in-app inbox and e-mail (webhooks belong to organisations).
USER_CHANNELS = ("inbox", "email")
#: What a user may choose per channel.
MODES = ("immediate", "digest", "off")
LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"


@dataclass(frozen=True)
class Audience:
    """One group of people a rule tells.

    - ``subject``: the user the event's ``field`` names (``fallback`` if it names nobody);
    - ``pilot_members``: the members of the event's pilot with one of ``roles``;
    - ``role``: every active user in the directory with one of ``roles``;
    - ``organisation_contact``: the contact person of the organisation the event's ``field``
      names (by e-mail only: a contact is not necessarily a user).

    ``only_if`` limits the audience to events whose field has one of the given values.
    """

    kind: str
    field: str | None = None
    roles: tuple[str, ...] = ()
    fallback: Audience | None = None
    only_if: tuple[str, tuple[str, ...]] | None = None

    def applies_to(self, data: Mapping[str, Any]) -> bool:
        if self.only_if is None:
            return True
        name, values = self.only_if
        return data.get(name) in values


def subject(field: str, fallback: Audience | None = None) -> Audience:
    return Audience("subject", field=field, fallback=fallback)


def pilot_members(*roles: str) -> Audience:
    return Audience("pilot_members", roles=roles)


def role(*roles: str) -> Audience:
    return Audience("role", roles=roles)


def organisation_contact(field: str, only_if: tuple[str, tuple[str, ...]]) -> Audience:
    return Audience("organisation_contact", field=field, only_if=only_if)


@dataclass(frozen=True)
class Gathering:
    """A rule's events gathered per person: one inbox item per person, per the event's ``by``
    field (its pilot) and per day in Finnish time (of the event's time), that counts them — its
    message's ``count`` — and at most one e-mail for them (one still waiting to be sent counts
    on; once it is sent, that day's later events add no e-mail). The item links to the list of
    what was gathered, never to one case."""

    by: str
    #: The item's link: the list of the pilot's cases of this kind.
    link: str
    #: The item's link for someone the event names (a ``subject`` audience, e.g. the case's
    #: responsible worker), not one told in its stead: the list of their own. An item that
    #: gathers both links to ``link``.
    named_link: str | None = None


@dataclass(frozen=True)
class Rule:
    event_type: str
    #: Says in a few words whom the rule tells (shown by ``GET /v1/rules``).
    description: str
    audiences: tuple[Audience, ...]
    #: The message's key in ``domain.messages.TEMPLATES``.
    template: str
    #: Event fields the message may show; ``pilot`` stands for the pilot's name.
    params: tuple[str, ...]
    #: The link's path in the web UI, with ``{field}`` taken from the event.
    link: str
    #: Event fields a webhook receiver gets (a nested one by its path, ``referral.source_id``,
    #: carried under its last name); no fields, no webhooks for this event type.
    webhook_fields: tuple[str, ...] = ()
    #: Whose webhooks hear of it: ``pilot`` (the pilot's lead and partner organisations) or the
    #: event field (or path) that names the organisation.
    organisations_from: str | None = None
    #: Where an e-mail links when there is no inbox item to link to (the user has the inbox off
    #: or as a digest), if ``link`` names a case or a task: a view without them, so that no
    #: case's or task's id passes through mail servers. None: ``link`` names neither.
    mail_link: str | None = None
    #: Whether (and how) one person's events of this rule are gathered into one notice a day.
    gather: Gathering | None = None


_TASK_FIELDS = ("pilot_id", "due_on")

RULES: dict[str, Rule] = {
    rule.event_type: rule
    for rule in (
        Rule(
            EventType.REFERRAL_RECEIVED,
            "A new referral: the pilot's workers (one that comes before its pilot is known "
            "waits for the pilot's publication).",
            (pilot_members("worker"),),
            "referral_received",
            ("pilot",),
            ui("pilot_cases", state="referred"),
            webhook_fields=("pilot_id",),
            organisations_from="pilot",
        ),
        Rule(
            EventType.TASK_DUE,
            "A task due today: its assignee.",
            (subject("assignee"),),
            "task_due",
            ("pilot", "due_on"),
            ui("case_task"),
            webhook_fields=_TASK_FIELDS,
            organisations_from="pilot",
            mail_link=ui("tasks", assigned="me", due="today"),
        ),
        Rule(
            EventType.TASK_OVERDUE,
            "A task past its due date: its assignee.",
            (subject("assignee"),),
            "task_overdue",
            ("pilot", "due_on"),
            ui("case_task"),
            webhook_fields=_TASK_FIELDS,
            organisations_from="pilot",
            mail_link=ui("tasks", assigned="me", overdue="true"),
        ),
        Rule(
            EventType.CASE_IDLE,
            "A case in the system for the pilot's idle days with nothing happening: its "
            "responsible worker (the pilot's leads if it has none); gathered into one notice "
            "per person, pilot and day that counts the idle cases.",
            (subject("responsible_worker", fallback=pilot_members("lead")),),
            "case_idle",
            ("pilot", "idle_days"),
            ui("case"),
            webhook_fields=("pilot_id", "idle_days"),
            organisations_from="pilot",
            mail_link=ui("cases", responsible="me", idle="true"),
            gather=Gathering(
                "pilot_id",
                ui("cases", pilot="{pilot_id}", idle="true"),
                named_link=ui("cases", pilot="{pilot_id}", responsible="me", idle="true"),
            ),
        ),
        Rule(
            EventType.IMPORT_FINISHED,
            "An import finished: the uploader, and the organisation's contact if an "
            "integration uploaded it.",
            (
                subject("uploaded_by"),
                organisation_contact(
                    "organisation", only_if=("uploaded_by_role", ("integration",))
                ),
            ),
            "import_finished",
            ("kind", "rows_read", "accepted", "duplicates", "rejected"),
            ui("import"),
            webhook_fields=(
                "import_id",
                "kind",
                "status",
                "rows_read",
                "accepted",
                "duplicates",
                "rejected",
            ),
            organisations_from="organisation",
        ),
        Rule(
            EventType.IMPORT_FAILED,
            "An import failed: the uploader, and the organisation's contact if an integration "
            "uploaded it.",
            (
                subject("uploaded_by"),
                organisation_contact(
                    "organisation", only_if=("uploaded_by_role", ("integration",))
                ),
            ),
            "import_failed",
            ("kind", "rows_read", "accepted", "rejected"),
            ui("import"),
            webhook_fields=("import_id", "kind", "status", "rows_read", "accepted", "rejected"),
            organisations_from="organisation",
        ),
        Rule(
            EventType.MESSAGE_DEAD_LETTERED,
            "A message dead-lettered anywhere: the admins.",
            (role("admin"),),
            "message_dead_lettered",
            ("queue", "event_type", "event_count"),
            ui("dead_letters", queue="{queue}"),
        ),
        Rule(
            EventType.LIFECYCLE_PHASE_CHANGED,
            "A pilot's innovation changed its lifecycle phase: the coordinators.",
            (role("coordinator"),),
            "lifecycle_phase_changed",
            ("pilot", "from_phase", "to_phase", "changed_on"),
            ui("lifecycle"),
            webhook_fields=("pilot_id", "from_phase", "to_phase", "changed_on"),
            organisations_from="pilot",
        ),
        Rule(
            EventType.CASE_OPENED,
            "A case opened by a referral: no one is told; the referring organisation's "
            "webhooks get the case code for the referral's source id.",
            (),
            "case_opened",
            (),
            ui("case"),
            webhook_fields=(
                "case_id",
                "case_code",
                "pilot_id",
                # not previous_case_id: it would tell the referring organisation that the young
                # person had an earlier case here, perhaps referred by someone else
                "opened_at",
                "referral.source_system",
                "referral.source_id",
            ),
            organisations_from="referral.organisation",
            mail_link=ui("pilot_cases"),
        ),
    )
}

#: The event types an organisation may register a webhook for.
WEBHOOK_EVENT_TYPES: tuple[str, ...] = tuple(
    sorted(t for t, rule in RULES.items() if rule.webhook_fields)
)


def link(rule: Rule, data: Mapping[str, Any], template: str | None = None) -> str:
    """The rule's link for this event: a path in the web UI, every value URL-quoted."""
    template = template or rule.link
    values = {name: quote(str(data.get(name) or ""), safe="") for name in _fields(template)}
    return template.format_map(values)


def mail_link(rule: Rule, data: Mapping[str, Any]) -> str:
    """Where an e-mail links when there is no inbox item: never to a case or a task."""
    return link(rule, data, rule.mail_link or rule.link)


def message_params(
    rule: Rule, data: Mapping[str, Any], pilot_names: Mapping[str, str] | None
) -> dict[str, Any]:
    """The event fields the rule's message may show (``pilot``: the pilot's name per language);
    a gathered rule's message also counts its events (``count``: this one)."""
    params: dict[str, Any] = {}
    for name in rule.params:
        if name == "pilot":
            params["pilot"] = dict(pilot_names or {DEFAULT_LANGUAGE: str(data.get("pilot_id"))})
        else:
            params[name] = data.get(name)
    if rule.gather is not None:
        params["count"] = 1
    return params


def gather_links(rule: Rule, data: Mapping[str, Any]) -> tuple[str, str]:
    """A gathered rule's links for this event: (for someone it names, for anyone else)."""
    assert rule.gather is not None
    everyone = link(rule, data, rule.gather.link)
    return link(
        rule, data, rule.gather.named_link
    ) if rule.gather.named_link else everyone, everyone


def named_subjects(rule: Rule, data: Mapping[str, Any]) -> set[str]:
    """The users the event itself names for the rule's ``subject`` audiences (not fallbacks)."""
    named = (data.get(a.field or "") for a in rule.audiences if a.kind == "subject")
    return {s for s in named if isinstance(s, str) and s}


def rule_fields(rule: Rule) -> frozenset[str]:
    """Every event field the rule reads — for its audiences, message, links and webhooks: all an
    event kept for later (``needs_pilot``) keeps of its data (of a nested field, the object it is
    in)."""
    fields = {
        "pilot_id",
        *(p for p in rule.params if p != "pilot"),
        *(f.split(".", 1)[0] for f in rule.webhook_fields),
    }
    for template in (rule.link, rule.mail_link, *_gather_templates(rule)):
        fields.update(_fields(template or ""))
    if rule.organisations_from not in (None, "pilot"):
        fields.add(str(rule.organisations_from).split(".", 1)[0])
    if rule.gather is not None:
        fields.add(rule.gather.by)
    audiences = list(rule.audiences)
    while audiences:
        audience = audiences.pop()
        fields.update(f for f in (audience.field, audience.only_if and audience.only_if[0]) if f)
        if audience.fallback is not None:
            audiences.append(audience.fallback)
    return frozenset(fields)


def needs_pilot(rule: Rule, data: Mapping[str, Any]) -> bool:
    """Whether whom the event tells depends on its pilot's members — it tells them, or falls back
    to them because the event names no one: such an event cannot be told before this service has
    the pilot's copy."""
    for audience in rule.audiences:
        if not audience.applies_to(data):
            continue
        current: Audience | None = audience
        while current is not None:
            if current.kind == "pilot_members":
                return True
            named = data.get(current.field or "") if current.kind == "subject" else None
            if isinstance(named, str) and named:
                break
            current = current.fallback if current.kind == "subject" else None
    return False


def _gather_templates(rule: Rule) -> tuple[str, ...]:
    if rule.gather is None:
        return ()
    return tuple(t for t in (rule.gather.link, rule.gather.named_link) if t)


def webhook_data(rule: Rule, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a webhook receiver gets of the event: the rule's webhook fields, nothing else (a
    nested one under its last name)."""
    return {name.rsplit(".", 1)[-1]: value_of(data, name) for name in rule.webhook_fields}


def value_of(data: Mapping[str, Any], path: str) -> Any:
    """The event field ``path`` names (``referral.organisation``: inside ``referral``); None if
    the event has no such field."""
    value: Any = data
    for name in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]
