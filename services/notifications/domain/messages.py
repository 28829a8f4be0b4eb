"""The messages, in Finnish, Swedish and English: a title and a few sentences that say what
happened — never who it happened to — and, in e-mail, a link into the web UI.

A template's ``{names}`` are a rule's message parameters (``domain.rules``); values that have a
word in each language (a lifecycle phase, an import's kind) and dates are put in the reader's
language here. A gathered notification counts what it gathered (``count``): more than one, and
its message is the one for many (``MANY``). A digest counts the day's notifications by kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.notifications.domain.rules import DEFAULT_LANGUAGE, LANGUAGES

#: key → language → (title, text)
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "referral_received": {
        "fi": ("Uusi ohjaus pilottiin {pilot}", "Pilottiin {pilot} on tullut uusi ohjaus."),
        "sv": ("Ny remiss till piloten {pilot}", "En ny remiss har kommit till piloten {pilot}."),
        "en": ("New referral to pilot {pilot}", "A new referral has arrived in pilot {pilot}."),
    },
    "task_due": {
        "fi": (
            "Tehtävä erääntyy tänään",
            "Sinulle osoitettu tehtävä pilotissa {pilot} erääntyy tänään ({due_on}).",
        ),
        "sv": (
            "En uppgift förfaller i dag",
            "En uppgift som du har tilldelats i piloten {pilot} förfaller i dag ({due_on}).",
        ),
        "en": (
            "A task is due today",
            "A task assigned to you in pilot {pilot} is due today ({due_on}).",
        ),
    },
    "task_overdue": {
        "fi": (
            "Tehtävä on myöhässä",
            "Sinulle osoitettu tehtävä pilotissa {pilot} erääntyi {due_on}, eikä sitä ole merkitty tehdyksi.",
        ),
        "sv": (
            "En uppgift är försenad",
            "En uppgift som du har tilldelats i piloten {pilot} förföll {due_on} och är inte markerad som gjord.",
        ),
        "en": (
            "A task is overdue",
            "A task assigned to you in pilot {pilot} was due on {due_on} and is not marked done.",
        ),
    },
    "case_idle": {
        "fi": (
            "Asiakkuudessa ei ole tapahtunut mitään",
            "Asiakkuudessa pilotissa {pilot} ei ole ollut tapahtumia {idle_days} päivään.",
        ),
        "sv": (
            "Ett ärende har varit inaktivt",
            "Ett ärende i piloten {pilot} har inte haft någon aktivitet på {idle_days} dagar.",
        ),
        "en": (
            "A case has been idle",
            "A case in pilot {pilot} has had no activity for {idle_days} days.",
        ),
    },
    "import_finished": {
        "fi": (
            "Tuonti valmistui",
            "Tiedoston tuonti ({kind}) valmistui: {rows_read} riviä, {accepted} hyväksytty, "
            "{duplicates} jo aiemmin tuotu, {rejected} hylätty.",
        ),
        "sv": (
            "Importen är klar",
            "Importen av filen ({kind}) är klar: {rows_read} rader, {accepted} godkända, "
            "{duplicates} redan importerade, {rejected} avvisade.",
        ),
        "en": (
            "Import finished",
            "The import of the file ({kind}) has finished: {rows_read} rows, {accepted} "
            "accepted, {duplicates} already imported, {rejected} rejected.",
        ),
    },
    "import_failed": {
        "fi": (
            "Tuonti epäonnistui",
            "Tiedoston tuonti ({kind}) keskeytyi virheeseen {rows_read} rivin jälkeen "
            "({accepted} hyväksytty, {rejected} hylätty).",
        ),
        "sv": (
            "Importen misslyckades",
            "Importen av filen ({kind}) avbröts av ett fel efter {rows_read} rader "
            "({accepted} godkända, {rejected} avvisade).",
        ),
        "en": (
            "Import failed",
            "The import of the file ({kind}) stopped with an error after {rows_read} rows "
            "({accepted} accepted, {rejected} rejected).",
        ),
    },
    "message_dead_lettered": {
        "fi": (
            "Viesti siirtyi käsittelemättömien jonoon",
            "Jonon {queue} viestiä ({event_type}, {event_count} tapahtumaa) ei saatu "
            "käsiteltyä; se on siirretty käsittelemättömien viestien jonoon.",
        ),
        "sv": (
            "Ett meddelande flyttades till kön för obehandlade meddelanden",
            "Ett meddelande i kön {queue} ({event_type}, {event_count} händelser) kunde inte "
            "behandlas och har flyttats till kön för obehandlade meddelanden.",
        ),
        "en": (
            "A message was dead-lettered",
            "A message in queue {queue} ({event_type}, {event_count} events) could not be "
            "processed and was moved to its dead-letter queue.",
        ),
    },
    "lifecycle_phase_changed": {
        "fi": (
            "Pilotin {pilot} vaihe muuttui",
            "Pilotin {pilot} innovaatio siirtyi vaiheesta {from_phase} vaiheeseen {to_phase} "
            "({changed_on}).",
        ),
        "sv": (
            "Pilotens {pilot} fas ändrades",
            "Innovationen i piloten {pilot} gick från fasen {from_phase} till fasen {to_phase} "
            "({changed_on}).",
        ),
        "en": (
            "Pilot {pilot} changed phase",
            "The innovation of pilot {pilot} moved from the {from_phase} phase to {to_phase} "
            "({changed_on}).",
        ),
    },
    # A rule for webhooks only (no one is told): the message is never shown.
    "case_opened": {
        "fi": ("Ohjauksesta avattiin asiakkuus", "Lähettämästänne ohjauksesta avattiin asiakkuus."),
        "sv": ("Ett ärende öppnades", "Ett ärende öppnades för en remiss som ni skickade."),
        "en": ("A case was opened", "A case was opened for a referral you sent."),
    },
}

#: A gathered rule's message when it counts more than one (``count``): key → language →
#: (title, text). With a count of one, ``TEMPLATES`` has the message.
MANY: dict[str, dict[str, tuple[str, str]]] = {
    "case_idle": {
        "fi": (
            "{count} asiakkuudessa ei ole tapahtunut mitään",
            "{count} asiakkuudessa pilotissa {pilot} ei ole ollut tapahtumia {idle_days} päivään.",
        ),
        "sv": (
            "{count} ärenden har varit inaktiva",
            "{count} ärenden i piloten {pilot} har inte haft någon aktivitet på {idle_days} dagar.",
        ),
        "en": (
            "{count} cases have been idle",
            "{count} cases in pilot {pilot} have had no activity for {idle_days} days.",
        ),
    },
}

#: language → (for one, for more)
DIGEST_TITLE = {
    "fi": ("Päivän koonti: 1 uusi ilmoitus", "Päivän koonti: {count} uutta ilmoitusta"),
    "sv": (
        "Dagens sammanfattning: 1 nytt meddelande",
        "Dagens sammanfattning: {count} nya meddelanden",
    ),
    "en": ("Daily digest: 1 new notification", "Daily digest: {count} new notifications"),
}
#: How a digest names each kind of notification.
DIGEST_LINES = {
    "referral_received": {"fi": "Uudet ohjaukset", "sv": "Nya remisser", "en": "New referrals"},
    "task_due": {
        "fi": "Tänään erääntyvät tehtävät",
        "sv": "Uppgifter som förfaller i dag",
        "en": "Tasks due today",
    },
    "task_overdue": {
        "fi": "Myöhässä olevat tehtävät",
        "sv": "Försenade uppgifter",
        "en": "Overdue tasks",
    },
    "case_idle": {"fi": "Hiljaiset asiakkuudet", "sv": "Inaktiva ärenden", "en": "Idle cases"},
    "import_finished": {
        "fi": "Valmistuneet tuonnit",
        "sv": "Slutförda importer",
        "en": "Finished imports",
    },
    "import_failed": {
        "fi": "Epäonnistuneet tuonnit",
        "sv": "Misslyckade importer",
        "en": "Failed imports",
    },
    "message_dead_lettered": {
        "fi": "Käsittelemättömiksi siirtyneet viestit",
        "sv": "Obehandlade meddelanden",
        "en": "Dead-lettered messages",
    },
    "lifecycle_phase_changed": {
        "fi": "Pilottien vaihemuutokset",
        "sv": "Pilotfasändringar",
        "en": "Pilot phase changes",
    },
    "case_opened": {"fi": "Avatut asiakkuudet", "sv": "Öppnade ärenden", "en": "Opened cases"},
}

EMAIL_FOOTER = {
    "fi": "Avaa Turvaverkko: {link}\n\nTämä on automaattinen viesti; siihen ei voi vastata.",
    "sv": "Öppna Turvaverkko: {link}\n\nDetta är ett automatiskt meddelande; det går inte att svara på det.",
    "en": "Open Turvaverkko: {link}\n\nThis is an automatic message; replies are not read.",
}

PHASES = {
    "fi": {
        "idea": "idea",
        "piloting": "pilotointi",
        "evaluation": "arviointi",
        "modelling": "mallinnus",
        "dissemination": "levittäminen",
        "mainstreamed": "vakiintunut",
        "discontinued": "päättynyt",
    },
    "sv": {
        "idea": "idé",
        "piloting": "pilotering",
        "evaluation": "utvärdering",
        "modelling": "modellering",
        "dissemination": "spridning",
        "mainstreamed": "etablerad",
        "discontinued": "avbruten",
    },
    "en": {
        "idea": "idea",
        "piloting": "piloting",
        "evaluation": "evaluation",
        "modelling": "modelling",
        "dissemination": "dissemination",
        "mainstreamed": "mainstreamed",
        "discontinued": "discontinued",
    },
}
IMPORT_KINDS = {
    "fi": {"referral": "ohjaukset", "participation": "osallistumiset", "outcome": "mittaukset"},
    "sv": {"referral": "remisser", "participation": "deltaganden", "outcome": "mätningar"},
    "en": {"referral": "referrals", "participation": "participations", "outcome": "outcomes"},
}
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Message:
    title: str
    text: str


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def render(template: str, language: str, params: Mapping[str, Any]) -> Message:
    """A notification in ``language`` (Finnish for a language this service does not speak)."""
    language = language_of(language)
    if template == "digest":
        return render_digest(language, params.get("counts") or {})
    count = params.get("count")
    many = template in MANY and isinstance(count, int) and count != 1
    title, text = (MANY if many else TEMPLATES)[template][language]
    values = {name: _localised(name, value, language) for name, value in params.items()}
    return Message(title.format_map(values), text.format_map(values))


def render_digest(language: str, counts: Mapping[str, int]) -> Message:
    """One message for a day's notifications: how many of each kind."""
    language = language_of(language)
    order = {kind: n for n, kind in enumerate(TEMPLATES)}
    lines = [
        f"- {DIGEST_LINES.get(kind, {}).get(language, kind)}: {n}"
        for kind, n in sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    ]
    count = sum(counts.values())
    title = DIGEST_TITLE[language][0 if count == 1 else 1].format(count=count)
    return Message(title, "\n".join(lines))


def email_text(message: Message, language: str, link: str) -> str:
    """An e-mail's plain-text body: what happened, then the link."""
    footer = EMAIL_FOOTER[language_of(language)].format(link=link)
    return f"{message.text}\n\n{footer}\n"


def _localised(name: str, value: Any, language: str) -> Any:
    if isinstance(value, Mapping):  # a name per language, e.g. a pilot's
        return value.get(language) or value.get(DEFAULT_LANGUAGE) or next(iter(value.values()), "")
    if name in ("from_phase", "to_phase"):
        return PHASES[language].get(str(value), value)
    if name == "kind":
        return IMPORT_KINDS[language].get(str(value), value)
    if name in ("due_on", "changed_on") and value:
        return _date(str(value), language)
    return value


def _date(iso: str, language: str) -> str:
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    if language == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day}.{day.month}.{day.year}"
