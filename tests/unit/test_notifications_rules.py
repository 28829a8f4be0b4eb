"""The notification rules and their messages, without I/O: every rule has its message in
Finnish, Swedish and English; a message, a link and a webhook carry only the fields their rule
allows, so nothing that identifies a young person, a case's content or a task reaches anyone;
digests count by kind; a dead-lettered message is described by its queue and its events' ids."""

from __future__ import annotations

import string
from typing import Any

import pytest

from services.notifications.consumers.dead_letters import dead_lettered_event
from services.notifications.domain.messages import (
    MANY,
    TEMPLATES,
    email_text,
    render,
    render_digest,
)
from services.notifications.domain.rules import (
    LANGUAGES,
    RULES,
    WEBHOOK_EVENT_TYPES,
    gather_links,
    link,
    mail_link,
    message_params,
    needs_pilot,
    rule_fields,
    webhook_data,
)
from shared.messaging.envelope import BATCH_CONTENT_TYPE, CONTENT_TYPE, Envelope, batch_body
from shared.messaging.events import EventType
from tests.support.consume import Properties

#: Fields producers put in events that must never reach a message, a link or a webhook.
SECRETS = {
    "pseudonym": "SECRET-PSEUDONYM",
    "key_id": "SECRET-KEY-ID",
    "earlier_pseudonyms": "SECRET-EARLIER",
    "source_system": "SECRET-SOURCE",
    "title": "SECRET-TASK-TITLE",
    "reason": "SECRET-REASON",
    "failure": "SECRET-FAILURE-WITH-FILE-CONTENT",
    "uploaded_by": "SECRET-UPLOADER",
    "assignee": "SECRET-ASSIGNEE",
    "responsible_worker": "SECRET-WORKER",
    "gender": "SECRET-GENDER",
    "home_region": "SECRET-REGION",
    "age_band": "SECRET-AGE-BAND",
}


def event_data(rule_type: str) -> dict[str, Any]:
    """Every field any rule reads (a nested one in its object, beside every secret), plus every
    secret."""
    data: dict[str, Any] = dict(SECRETS)
    for rule in RULES.values():
        for name in (*rule.params, *rule.webhook_fields):
            *path, last = name.split(".")
            inner = data
            for step in path:
                inner = inner.setdefault(step, dict(SECRETS))
            if path:  # the nested field itself is allowed, its neighbours are secrets
                inner[last] = f"value-of-{name}"
            else:
                inner.setdefault(last, f"value-of-{name}")
    data |= {"due_on": "2026-11-27", "changed_on": "2026-02-01", "from_phase": "idea"}
    data |= {"to_phase": "piloting", "kind": "referral", "case_id": "c-1", "task_id": "t-1"}
    data |= {"pilot_id": "p-1", "import_id": "i-1", "queue": "q", "event_count": 1}
    return data


@pytest.mark.parametrize("event_type", sorted(RULES))
def test_every_rule_has_its_message_in_every_language_and_it_names_no_one(
    event_type: str,
) -> None:
    rule = RULES[event_type]
    data = event_data(event_type)
    params = message_params(rule, data, {"fi": "Polku", "sv": "Stigen", "en": "Path"})
    assert set(params) == set(rule.params) | ({"count"} if rule.gather else set())
    counted = [params | {"count": 12}] if rule.gather else []  # a gathered one, counting many
    for language in LANGUAGES:
        for shown in [params, *counted]:
            message = render(rule.template, language, shown)
            text = email_text(message, language, "https://ui.example.org" + link(rule, data))
            for secret in SECRETS.values():
                assert secret not in message.title + text, (event_type, language, secret)
            assert "{" not in message.title + message.text  # every placeholder filled
    assert set(TEMPLATES[rule.template]) == set(LANGUAGES)
    if rule.gather:
        assert set(MANY[rule.template]) == set(LANGUAGES)
        for gathered_link in gather_links(rule, data):
            assert "c-1" not in gathered_link  # the list, never one case
            for secret in SECRETS.values():
                assert secret not in gathered_link
    for secret in SECRETS.values():
        assert secret not in link(rule, data)
        assert secret not in str(webhook_data(rule, data))


def test_each_language_speaks_its_own_words() -> None:
    rule = RULES[EventType.LIFECYCLE_PHASE_CHANGED]
    data = {"from_phase": "evaluation", "to_phase": "modelling", "changed_on": "2026-02-01"}
    params = message_params(rule, data, {"fi": "Polku", "sv": "Stigen"})
    assert render(rule.template, "fi", params).text == (
        "Pilotin Polku innovaatio siirtyi vaiheesta arviointi vaiheeseen mallinnus (1.2.2026)."
    )
    assert render(rule.template, "sv", params).text == (
        "Innovationen i piloten Stigen gick från fasen utvärdering till fasen modellering "
        "(1.2.2026)."
    )
    # No English name: the Finnish one; an unknown language: Finnish.
    assert render(rule.template, "en", params).title == "Pilot Polku changed phase"
    assert render(rule.template, "de", params).title == "Pilotin Polku vaihe muuttui"


def test_templates_use_only_their_rules_parameters() -> None:
    for rule in RULES.values():
        allowed = set(rule.params) | ({"count"} if rule.gather else set())
        for templates in (TEMPLATES, MANY) if rule.gather else (TEMPLATES,):
            for language, (title, text) in templates[rule.template].items():
                used = {name for _, name, _, _ in string.Formatter().parse(title + text) if name}
                assert used <= allowed, (rule.template, language, used - allowed)


def test_idle_cases_gathered_say_how_many_in_every_language() -> None:
    rule = RULES[EventType.CASE_IDLE]
    params = message_params(rule, {"pilot_id": "p-1", "idle_days": 30}, {"fi": "Polku"})
    assert params["count"] == 1
    assert render(rule.template, "en", params).title == "A case has been idle"
    many = params | {"count": 3}
    assert render(rule.template, "en", many).text == (
        "3 cases in pilot Polku have had no activity for 30 days."
    )
    assert render(rule.template, "fi", many).title == "3 asiakkuudessa ei ole tapahtunut mitään"
    assert render(rule.template, "sv", many).title == "3 ärenden har varit inaktiva"
    named, everyone = gather_links(rule, {"pilot_id": "p 1", "case_id": "c-1"})
    assert (named, everyone) == (
        "/cases?pilot=p%201&responsible=me&idle=true",
        "/cases?pilot=p%201&idle=true",
    )
    # Not gathered: no count, and a count an event carried does not change the message.
    task = RULES[EventType.TASK_DUE]
    assert "count" not in message_params(task, {"count": 5}, None)


def test_an_event_waits_for_its_pilot_only_if_it_tells_the_pilots_members() -> None:
    referral, idle = RULES[EventType.REFERRAL_RECEIVED], RULES[EventType.CASE_IDLE]
    assert needs_pilot(referral, {"pilot_id": "p"})
    assert needs_pilot(idle, {"pilot_id": "p", "responsible_worker": None})  # its leads
    assert not needs_pilot(idle, {"pilot_id": "p", "responsible_worker": "worker-1"})
    assert not needs_pilot(RULES[EventType.TASK_DUE], {"pilot_id": "p", "assignee": "w"})
    assert not needs_pilot(RULES[EventType.IMPORT_FINISHED], {"uploaded_by": "u"})
    # What waits of a referral is its pilot, nothing that identifies anyone.
    assert rule_fields(referral) == {"pilot_id"}
    assert not (set(SECRETS) - {"responsible_worker"}) & rule_fields(idle)


def test_a_link_quotes_what_it_takes_from_the_event() -> None:
    rule = RULES[EventType.TASK_DUE]
    assert link(rule, {"case_id": "a/../b?x=1", "task_id": "t 1"}) == (
        "/cases/a%2F..%2Fb%3Fx%3D1/tasks/t%201"
    )


def test_the_integrations_contact_hears_only_of_what_an_integration_uploaded() -> None:
    [_, contact] = RULES[EventType.IMPORT_FINISHED].audiences
    assert contact.applies_to({"uploaded_by_role": "integration"})
    assert not contact.applies_to({"uploaded_by_role": "pilot_lead"})
    assert not contact.applies_to({})


def test_webhooks_are_for_organisations_events_not_the_platforms() -> None:
    assert EventType.MESSAGE_DEAD_LETTERED not in WEBHOOK_EVENT_TYPES
    assert set(WEBHOOK_EVENT_TYPES) == set(RULES) - {EventType.MESSAGE_DEAD_LETTERED}


def test_a_digest_counts_the_days_notifications_by_kind() -> None:
    digest = render_digest("fi", {"task_overdue": 1, "referral_received": 3})
    assert digest.title == "Päivän koonti: 4 uutta ilmoitusta"
    assert digest.text == "- Uudet ohjaukset: 3\n- Myöhässä olevat tehtävät: 1"
    assert render_digest("sv", {"case_idle": 1}).title == "Dagens sammanfattning: 1 nytt meddelande"
    assert render("digest", "en", {"counts": {"import_failed": 2}}).text == "- Failed imports: 2"


def test_a_dead_lettered_message_is_described_by_queue_reason_and_event_ids_only() -> None:
    events = [
        Envelope.new(EventType.REFERRAL_RECEIVED, "/t", {"pseudonym": "SECRET"}) for _ in range(3)
    ]
    death = {
        "x-death": [
            {"queue": b"turvaverkko.pilots.aggregates", "reason": "delivery_limit", "count": 2}
        ]
    }
    batch = dead_lettered_event(
        batch_body([e.to_json_bytes() for e in events]), Properties(BATCH_CONTENT_TYPE, death)
    )
    assert batch is not None
    assert batch.type == EventType.MESSAGE_DEAD_LETTERED
    assert batch.data == {
        "queue": "turvaverkko.pilots.aggregates",
        "reason": "delivery_limit",
        "deaths": 2,
        "event_type": "referral.received",
        "event_count": 3,
        "event_ids": [e.id for e in events],
    }
    assert "SECRET" not in str(batch.to_dict())
    again = dead_lettered_event(
        batch_body([e.to_json_bytes() for e in events]), Properties(BATCH_CONTENT_TYPE, death)
    )
    assert again is not None and again.id == batch.id  # the same copy, the same event

    unreadable = dead_lettered_event(
        b"not json",
        Properties(CONTENT_TYPE, {"x-first-death-queue": "q", "x-first-death-reason": "rejected"}),
    )
    assert unreadable is not None
    assert (unreadable.data["queue"], unreadable.data["event_type"]) == ("q", "unreadable")
    assert unreadable.id != batch.id

    loop = Envelope.new(EventType.MESSAGE_DEAD_LETTERED, "/t", {})
    assert dead_lettered_event(loop.to_json_bytes(), Properties(CONTENT_TYPE, death)) is None


def test_an_email_without_an_inbox_item_never_links_to_a_case_or_a_task() -> None:
    """A rule whose link names a case or a task has a link for e-mail that names neither."""
    for rule in RULES.values():
        fallback = rule.mail_link or rule.link
        assert "{case_id}" not in fallback and "{task_id}" not in fallback, rule.event_type
        data = {
            "case_id": "CASE-SECRET",
            "task_id": "TASK-SECRET",
            "pilot_id": "p",
            "import_id": "i",
        }
        assert "SECRET" not in mail_link(rule, data), rule.event_type


def test_a_case_opened_tells_no_one_and_its_webhook_carries_the_code_for_the_source_id() -> None:
    """``case.opened`` reaches only the referring organisation's webhooks (its ``referral``'s
    organisation), with the case code and the referral's own source pair: never the pseudonym,
    its key, nor anything else of the referral."""
    rule = RULES[EventType.CASE_OPENED]
    assert rule.audiences == () and rule.organisations_from == "referral.organisation"
    assert EventType.CASE_OPENED in WEBHOOK_EVENT_TYPES
    data = {
        "case_id": "c-1",
        "case_code": "K7QM-3XPD",
        "pilot_id": "p-1",
        "key_id": "SECRET-KEY-ID",
        "pseudonym": "SECRET-PSEUDONYM",
        "previous_case_id": "c-0",
        "opened_at": "2026-10-01T12:00:00+03:00",
        "referral": {
            "event_id": "e-1",
            "source_system": "apotti",
            "source_id": "R-1",
            "organisation": "org-a",
        },
    }
    assert webhook_data(rule, data) == {
        "case_id": "c-1",
        "case_code": "K7QM-3XPD",
        "pilot_id": "p-1",
        "opened_at": "2026-10-01T12:00:00+03:00",
        "source_system": "apotti",
        "source_id": "R-1",
    }
    assert not needs_pilot(rule, data)
    assert "pseudonym" not in rule_fields(rule) and "key_id" not in rule_fields(rule)
    assert webhook_data(rule, {"referral": None})["source_id"] is None  # no referral: no id
