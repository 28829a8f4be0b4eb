"""``turvaverkko demo``: a realistic synthetic dataset, loaded through the public HTTP APIs of a
running stack (``turvaverkko run``), so that a newcomer opens a living system.

Development only: it mints development tokens (``shared.auth.mint_dev_token``) and refuses to run
under any other ``TURVAVERKKO_ENV``. Everything is synthetic: identity codes have valid check
characters and individual numbers in the 900–999 "temporary" range, and no young person has a name.

Idempotent: every item has a stable source id (a replay is a duplicate, never a second event),
list POSTs carry an ``Idempotency-Key`` derived from their body, reference data is created by id
(409 when it exists: skipped), and each case move, task or responsible worker is made only while
the case is in the state that precedes it — so running it twice adds nothing.

What it loads: organisations, four pilots in different regions (names in fi/sv/en), their members
(a worker and a lead each, plus a second worker in Oulu), a weekly group and a one-off event per
pilot, an instrument, 75 young people per pilot with referrals; then, per pilot: enrolments with a
responsible worker, five weekly sessions (the latest after the enrolments: the cases become
active) and the one-off event through the attendance register, baseline and follow-up outcomes by
case id, tasks (due today, overdue, next week), a closed case, a declined one, and a young person
referred again after their case was closed (a second episode).

Idle cases are not made: a case is idle only after it has been in the system for its pilot's
``idle_days`` (at least one day) with nothing happening. The demo's Helsinki pilot has
``idle_days`` 7, so its untouched referrals show as idle a week after the demo was loaded.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from services.intake.domain.hetu import format_identity_code
from services.pilots.store import tables
from shared.auth import mint_dev_token
from shared.config import Settings
from shared.db import create_engine

EVERY_PILOT = {"coordinator": "(all, aggregates only)", "admin": "(all)"}
HELSINKI = ZoneInfo("Europe/Helsinki")
SOURCE_SYSTEM = "turvaverkko-demo"
PEOPLE_PER_PILOT = 75
INSTRUMENT = "DEMO-WELLBEING"
DEADLINE_SECONDS = 90.0


class DemoError(RuntimeError):
    """The demo cannot be loaded; the message says why."""


@dataclass(frozen=True)
class DemoPilot:
    id: str
    city: str
    name_fi: str
    name_sv: str
    name_en: str
    region: str
    organisation: str
    idle_days: int
    offset: int  # where its young people's numbering starts
    extra_workers: tuple[str, ...] = ()

    @property
    def worker(self) -> str:
        return f"demo-worker-{self.city}"

    @property
    def lead(self) -> str:
        return f"demo-lead-{self.city}"

    @property
    def workers(self) -> tuple[str, ...]:
        return (self.worker, *self.extra_workers)


ORGANISATIONS = (
    {
        "id": "demo-pohde",
        "name": "Pohjois-Pohjanmaan hyvinvointialue",
        "type": "wellbeing_services_county",
        "region_code": "19",
    },
    {
        "id": "demo-pohjanmaa",
        "name": "Pohjanmaan hyvinvointialue",
        "type": "wellbeing_services_county",
        "region_code": "17",
    },
    {
        "id": "demo-pirha",
        "name": "Pirkanmaan hyvinvointialue",
        "type": "wellbeing_services_county",
        "region_code": "08",
    },
    {
        "id": "demo-helsinki",
        "name": "Helsingin kaupunki",
        "type": "municipality",
        "region_code": "90",
    },
    {"id": "demo-nuorisoseura", "name": "Nuorten Polku ry (demo)", "type": "ngo"},
)

PILOTS = (
    DemoPilot(
        "demo-oulu",
        "oulu",
        "Harrastuspolku Oulu",
        "Fritidsstigen Uleåborg",
        "Hobby Path Oulu",
        "19",
        "demo-pohde",
        30,
        0,
        ("demo-worker2-oulu",),
    ),
    DemoPilot(
        "demo-vaasa",
        "vaasa",
        "Yhdessä Vaasa",
        "Tillsammans Vasa",
        "Together Vaasa",
        "17",
        "demo-pohjanmaa",
        30,
        100,
    ),
    DemoPilot(
        "demo-tampere",
        "tampere",
        "Koulupolku Tampere",
        "Skolstigen Tammerfors",
        "School Path Tampere",
        "08",
        "demo-pirha",
        30,
        200,
    ),
    DemoPilot(
        "demo-helsinki",
        "helsinki",
        "Kohtaamo Helsinki",
        "Mötesplatsen Helsingfors",
        "Meeting Place Helsinki",
        "90",
        "demo-helsinki",
        7,
        300,
    ),
)

GENDERS = ("female", "male", "female", "male", "non_binary", "unknown")
ORGANISATION_TYPES = ("child_welfare", "school", "health_care", "youth_services")
REASONS = ("family_situation", "mental_health", "school_attendance", "substance_use")

# Who is who among a pilot's young people (by their number in the pilot).
ENROLLED = range(0, 40)
IN_SESSIONS = range(0, 30)
AT_ONE_OFF = range(10, 40)
WITH_BASELINE = range(0, 30)
WITH_FOLLOW_UP = range(0, 10)
CLOSED, DECLINED, REFERRED_AGAIN = 40, 41, 42
TASKS: dict[int, tuple[str, int]] = {  # person → (title, due in days from today)
    0: ("Soita huoltajalle", 0),
    1: ("Sovi tapaaminen koululle", 0),
    2: ("Päivitä suunnitelma", 0),
    3: ("Lähetä palaute ohjaajalle", -3),
    4: ("Tarkista osallistuminen", -5),
    5: ("Kirjaa alkukartoitus", -1),
    6: ("Seurantatapaaminen", 7),
    7: ("Harrastuskokeilu", 10),
}


def person_code(index: int) -> str:
    """A synthetic identity code: a birth date from 2008–2013, individual number 900–999."""
    born = date(2008 + index % 6, 1 + index % 12, 1 + index % 28)
    return format_identity_code(born, 900 + index % 100)


@dataclass
class Api:
    """A small JSON client for one caller at one service."""

    base: str
    token: str
    calls: int = 0

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the configured services only
            self.base + path,
            method=method,
            data=data,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
            | (headers or {}),
        )
        self.calls += 1
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
                return response.status, json.loads(raw) if raw else None, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                payload = None
            return error.code, payload, dict(error.headers)
        except urllib.error.URLError as error:
            raise DemoError(
                f"{self.base} does not answer ({error.reason}); is `make run` running?"
            ) from None

    def expect(self, method: str, path: str, body: Any = None, *ok: int, **kw: Any) -> Any:
        status, payload, _ = self.call(method, path, body, **kw)
        if status not in (ok or (200, 201)):
            raise DemoError(f"{method} {path.split('?')[0]} answered {status}: {_title(payload)}")
        return payload


def _title(payload: Any) -> str:
    if isinstance(payload, dict):
        errors = payload.get("errors") or []
        pointers = ", ".join(str(e.get("pointer")) for e in errors if isinstance(e, dict))
        return f"{payload.get('title', '')} {pointers}".strip()
    return "no JSON body"


def _rejected(payload: Any) -> str:
    if isinstance(payload, dict) and "results" in payload:
        bad = [r for r in payload["results"] if r.get("status") == "rejected"]
        pointers = sorted({e.get("pointer", "") for r in bad for e in r.get("errors", [])})
        return f"{len(bad)} rejected ({', '.join(pointers)})"
    return _title(payload)


def replayed(headers: dict[str, str]) -> bool:
    """Whether intake replayed an earlier answer to the same Idempotency-Key and body."""
    return any(k.lower() == "idempotent-replayed" and v == "true" for k, v in headers.items())


def idempotency_key(body: Any) -> dict[str, str]:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return {"Idempotency-Key": f"demo-{digest[:48]}"}


def wait_for(check: Callable[[], bool], what: str, deadline: float, interval: float = 0.5) -> None:
    """Poll ``check`` until it holds or the deadline passes."""
    while not check():
        if time.monotonic() > deadline:
            raise DemoError(f"gave up waiting for {what}")
        time.sleep(interval)


@dataclass
class Report:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n


def demo_users() -> list[tuple[str, str, list[str]]]:
    """(subject, role, pilots) of every demo user."""
    users: list[tuple[str, str, list[str]]] = []
    for pilot in PILOTS:
        users += [(w, "pilot_worker", [pilot.id]) for w in pilot.workers]
        users.append((pilot.lead, "pilot_lead", [pilot.id]))
    users.append(("demo-coordinator", "coordinator", []))
    users.append(("demo-admin", "admin", []))
    return users


class Loader:
    def __init__(self, settings: Settings, out: Any) -> None:
        self.settings = settings
        self.out = out
        self.report = Report()
        self.deadline = time.monotonic() + DEADLINE_SECONDS
        self.today = datetime.now(HELSINKI).date()
        admin = mint_dev_token(settings, "admin", subject="demo-admin")
        self.pilots_admin = Api(self.url("pilots"), admin)

    def url(self, service: str) -> str:
        return f"http://{self.settings.host}:{self.settings.port(service)}"

    def as_user(self, service: str, subject: str, role: str, pilot: str) -> Api:
        return Api(
            self.url(service), mint_dev_token(self.settings, role, subject=subject, pilots=[pilot])
        )

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # --- reference data ---------------------------------------------------------------------

    def create(self, api: Api, path: str, body: dict[str, Any], what: str) -> None:
        status, payload, _ = api.call("POST", path, body)
        if status == 201:
            self.report.add(what)
        elif status != 409:
            raise DemoError(f"POST {path} answered {status}: {_title(payload)}")

    def reference_data(self) -> None:
        for organisation in ORGANISATIONS:
            self.create(self.pilots_admin, "/v1/organisations", organisation, "organisations")
        instrument = {
            "code": INSTRUMENT,
            "name": "Hyvinvointimittari (demo), 14–70",
            "min_value": 14,
            "max_value": 70,
        }
        self.create(self.pilots_admin, "/v1/instruments", instrument, "instruments")
        for pilot in PILOTS:
            members = [{"subject": w, "role": "worker"} for w in pilot.workers]
            members.append({"subject": pilot.lead, "role": "lead"})
            body = {
                "id": pilot.id,
                "name_fi": pilot.name_fi,
                "name_sv": pilot.name_sv,
                "name_en": pilot.name_en,
                "lead_organisation_id": pilot.organisation,
                "partner_organisation_ids": ["demo-nuorisoseura"],
                "regions": [pilot.region],
                "theme": "harrastukset ja osallisuus",
                "target_group": "lastensuojelun asiakkaina olevat 13–21-vuotiaat",
                "starts_on": "2026-01-01",
                "idle_days": pilot.idle_days,
                "members": members,
            }
            self.create(self.pilots_admin, "/v1/pilots", body, "pilots")
            for activity in self.activities(pilot):
                self.create(self.pilots_admin, "/v1/activities", activity, "activities")

    def activities(self, pilot: DemoPilot) -> list[dict[str, Any]]:
        # Anchored to a fixed Monday in the past, so that a later run names the same sessions.
        return [
            {
                "id": f"{pilot.id}-weekly-group",
                "pilot_id": pilot.id,
                "name": "Torstain harrastusryhmä",
                "activity_type": "group",
                "schedule": "recurring",
                "recurrence": "weekly",
                "starts_at": "2026-09-03T16:00:00+03:00",
                "place_type": "youth_centre",
                "capacity": 40,
                "workers": list(pilot.workers),
            },
            {
                "id": f"{pilot.id}-concert",
                "pilot_id": pilot.id,
                "name": "Konserttivierailu",
                "activity_type": "culture",
                "schedule": "one_off",
                "starts_at": "2026-10-15T18:00:00+03:00",
                "place_type": "other",
                "workers": [pilot.worker],
            },
        ]

    # --- referrals and cases ----------------------------------------------------------------

    def referral(self, pilot: DemoPilot, n: int, again: bool = False) -> dict[str, Any]:
        index = pilot.offset + n
        referred_on = self.today - timedelta(days=0 if again else 1 + (n * 7) % 60)
        return {
            "source_system": SOURCE_SYSTEM,
            "source_id": f"{pilot.id}-{n}" + ("-again" if again else ""),
            "pilot_id": pilot.id,
            "personal_identity_code": person_code(index),
            "gender": GENDERS[index % len(GENDERS)],
            "home_region": pilot.region,
            "referring_organisation_type": ORGANISATION_TYPES[index % len(ORGANISATION_TYPES)],
            "reason": REASONS[index % len(REASONS)],
            "referred_on": referred_on.isoformat(),
        }

    def post_items(self, api: Api, path: str, items: list[dict[str, Any]], what: str) -> None:
        status, payload, headers = api.call("POST", path, items, headers=idempotency_key(items))
        if status != 200 or payload["rejected"]:
            raise DemoError(f"POST {path} answered {status}: {_rejected(payload)}")
        self.report.add(what, 0 if replayed(headers) else payload["accepted"])

    def post_until_known(self, api: Api, path: str, items: list[dict[str, Any]], what: str) -> None:
        """A list POST, repeated while intake does not know its pilot, activity or instrument
        yet (it learns them from the pilots service's events): those items are rejected."""

        def accepted() -> bool:
            status, payload, headers = api.call("POST", path, items, headers=idempotency_key(items))
            if status != 200:
                raise DemoError(f"POST {path} answered {status}: {_title(payload)}")
            if payload["rejected"]:
                return False
            self.report.add(what, 0 if replayed(headers) else payload["accepted"])
            return True

        try:
            wait_for(accepted, f"intake to take the {what}", self.deadline)
        except DemoError:
            _, payload, _ = api.call("POST", path, items, headers=idempotency_key(items))
            raise DemoError(f"intake still rejects the {what}: {_rejected(payload)}") from None

    def referrals(self, pilot: DemoPilot, intake: Api) -> None:
        items = [self.referral(pilot, n) for n in range(PEOPLE_PER_PILOT)]
        self.post_until_known(intake, "/v1/referrals", items, "referrals")

    def lookup(self, intake: Api, pilot: DemoPilot, n: int) -> dict[str, Any] | None:
        """The young person's open case in the pilot, through intake's case look-up."""
        body = {"identity_code": person_code(pilot.offset + n)}
        status, payload, _ = intake.call("POST", "/v1/case-lookups", body)
        if status == 404:
            return None
        if status != 200:
            raise DemoError(f"POST /v1/case-lookups answered {status}: {_title(payload)}")
        found = [c for c in payload["cases"] if c["pilot_id"] == pilot.id]
        return found[0] if found else None

    def count_cases(self, api: Api, pilot: DemoPilot) -> int:
        total, cursor = 0, ""
        while True:
            query = f"/v1/cases?pilot={pilot.id}&limit=200" + (
                f"&cursor={cursor}" if cursor else ""
            )
            page = api.expect("GET", query)
            total += len(page["items"])
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return total

    # --- one pilot --------------------------------------------------------------------------

    def pilot(self, pilot: DemoPilot) -> None:
        intake = self.as_user("intake", pilot.worker, "pilot_worker", pilot.id)
        cases = self.as_user("pilots", pilot.worker, "pilot_worker", pilot.id)
        lead_intake = self.as_user("intake", pilot.lead, "pilot_lead", pilot.id)
        lead_cases = self.as_user("pilots", pilot.lead, "pilot_lead", pilot.id)
        self.referrals(pilot, lead_intake)
        wait_for(
            lambda: self.count_cases(cases, pilot) >= PEOPLE_PER_PILOT,
            f"the referrals to open cases in {pilot.id}",
            self.deadline,
        )
        # Intake's case map learns of each case from case.opened.
        last = PEOPLE_PER_PILOT - 1
        wait_for(
            lambda: self.lookup(intake, pilot, last) is not None,
            f"intake's case map of {pilot.id}",
            self.deadline,
        )
        ids: dict[int, str] = {}
        for n in [*ENROLLED, CLOSED, DECLINED, REFERRED_AGAIN]:
            found: dict[str, Any] | None = None

            def mapped(n: int = n) -> bool:
                nonlocal found
                found = self.lookup(intake, pilot, n)
                return found is not None or self.earlier_run_ended(lead_cases, pilot, n)

            wait_for(mapped, f"case {n} of {pilot.id} in intake's case map", self.deadline)
            if found is not None:
                ids[n] = found["case_id"]
                if n == REFERRED_AGAIN and found.get("previous_case_id"):
                    ids.pop(n)  # its second episode exists: nothing more to do
        enrolled = [
            self.enrol(cases, ids[n], pilot.workers[n % len(pilot.workers)]) for n in ENROLLED
        ]
        latest = max(datetime.fromisoformat(c["enrolled_at"]) for c in enrolled)
        self.sessions(intake, pilot, ids, latest)
        self.outcomes(intake, pilot, ids)
        self.tasks(cases, pilot, ids)
        self.endings(cases, lead_cases, lead_intake, pilot, ids)

    def earlier_run_ended(self, api: Api, pilot: DemoPilot, n: int) -> bool:
        """Whether the young person's case was closed or declined by an earlier run (then intake's
        look-up, which finds open cases only, has nothing)."""
        if n not in (CLOSED, DECLINED, REFERRED_AGAIN):
            return False
        state = "declined" if n == DECLINED else "closed"
        page = api.expect("GET", f"/v1/cases?pilot={pilot.id}&state={state}&limit=1")
        return bool(page["items"])

    def enrol(self, api: Api, case_id: str, worker: str) -> dict[str, Any]:
        status, case, _ = api.call("GET", f"/v1/cases/{case_id}")
        if status != 200:
            raise DemoError(f"GET /v1/cases/… answered {status}")
        if case["state"] == "referred":
            case = api.expect(
                "POST",
                f"/v1/cases/{case_id}/transitions",
                {"to_state": "enrolled", "reason": "Aloitustapaaminen pidetty."},
            )
            self.report.add("enrolments")
        if not case.get("responsible_worker"):
            case = api.expect(
                "PATCH",
                f"/v1/cases/{case_id}",
                {"responsible_worker": worker},
                headers={"If-Match": f'"{case["version"]}"'},
            )
        return dict(case)

    def sessions(
        self, intake: Api, pilot: DemoPilot, ids: dict[int, str], enrolled: datetime
    ) -> None:
        """Four weekly sessions in the autumn (before the young people were enrolled: their
        history), the one-off concert, and the latest session just after the last enrolment —
        the first attended one after it makes the cases active. Its time comes from the stored
        enrolments, so a later run names the same session."""
        weekly = f"/v1/activities/{pilot.id}-weekly-group/sessions"
        first = datetime(2026, 9, 3, 16, 0, tzinfo=HELSINKI)
        registers: list[tuple[str, dict[str, Any]]] = []
        for week in range(4):
            attendance = [
                {
                    "case_id": ids[n],
                    "attendance": "absent" if (n + week) % 5 == 0 else "attended",
                }
                for n in IN_SESSIONS
            ]
            starts = (first + timedelta(weeks=week)).isoformat()
            registers.append(
                (
                    weekly,
                    {"starts_at": starts, "duration_minutes": 90, "attendance": attendance},
                )
            )
        registers.append(
            (
                f"/v1/activities/{pilot.id}-concert/sessions",
                {
                    "starts_at": "2026-10-15T18:00:00+03:00",
                    "duration_minutes": 120,
                    "kind": "culture",
                    "attendance": [
                        {"case_id": ids[n], "attendance": "attended" if n % 4 else "cancelled"}
                        for n in AT_ONE_OFF
                    ],
                },
            )
        )
        latest = (enrolled + timedelta(seconds=1)).replace(microsecond=0)
        registers.append(
            (
                weekly,
                {
                    "starts_at": latest.isoformat(),
                    "duration_minutes": 90,
                    "attendance": [
                        {"case_id": ids[n], "attendance": "attended"} for n in IN_SESSIONS
                    ],
                },
            )
        )
        wait_for(
            lambda: datetime.now(HELSINKI) > latest, "the latest session's time", self.deadline, 0.2
        )
        for path, register in registers:
            answer: list[Any] = []

            def recorded(
                path: str = path, register: dict[str, Any] = register, answer: list[Any] = answer
            ) -> bool:
                status, payload, headers = intake.call(
                    "POST", path, register, headers=idempotency_key(register)
                )
                if status == 404:  # intake does not know the activity yet
                    return False
                if status != 200:
                    raise DemoError(f"POST {path} answered {status}: {_title(payload)}")
                answer.append({"accepted": 0} if replayed(headers) else payload)
                return True

            wait_for(recorded, f"intake to know {path.split('/')[3]}", self.deadline)
            self.report.add("participations", answer[-1]["accepted"])

    def outcomes(self, intake: Api, pilot: DemoPilot, ids: dict[int, str]) -> None:
        items = []
        for n in WITH_BASELINE:
            items.append(self.outcome(pilot, n, ids[n], "baseline", 30 + n % 15))
        for n in WITH_FOLLOW_UP:
            items.append(self.outcome(pilot, n, ids[n], "follow_up", 40 + n % 20))
        self.post_until_known(intake, "/v1/outcomes", items, "outcomes")

    def outcome(
        self, pilot: DemoPilot, n: int, case_id: str, time_point: str, value: int
    ) -> dict[str, Any]:
        return {
            "source_system": SOURCE_SYSTEM,
            "source_id": f"{pilot.id}-{n}-{time_point}",
            "pilot_id": pilot.id,
            "case_id": case_id,
            "instrument": INSTRUMENT,
            "value": value,
            "time_point": time_point,
            "measured_on": "2026-09-01" if time_point == "baseline" else "2026-11-20",
        }

    def tasks(self, api: Api, pilot: DemoPilot, ids: dict[int, str]) -> None:
        for n, (title, due_in) in TASKS.items():
            case_id = ids[n]
            existing = api.expect("GET", f"/v1/cases/{case_id}/tasks")
            if any(t["title"] == title for t in existing):
                continue
            body = {
                "title": title,
                "due_on": (self.today + timedelta(days=due_in)).isoformat(),
                "assignee": pilot.worker,
            }
            api.expect("POST", f"/v1/cases/{case_id}/tasks", body, 201)
            self.report.add("tasks")

    def endings(
        self, cases: Api, lead: Api, lead_intake: Api, pilot: DemoPilot, ids: dict[int, str]
    ) -> None:
        moves: dict[int, list[tuple[str, str | None]]] = {
            CLOSED: [("enrolled", None), ("closed", "goals_met")],
            DECLINED: [("declined", "client_declined")],
            REFERRED_AGAIN: [("enrolled", None), ("closed", "moved_away")],
        }
        for n, steps in moves.items():
            if n not in ids:
                continue
            for to_state, why in steps:
                case = cases.expect("GET", f"/v1/cases/{ids[n]}")
                if to_state not in case["allowed_transitions"]:
                    continue
                body: dict[str, Any] = {"to_state": to_state, "reason": "Demo: tilanne muuttui."}
                if why:
                    body["closing_reason"] = why
                lead.expect("POST", f"/v1/cases/{ids[n]}/transitions", body, 201)
                self.report.add(f"{to_state} cases")
        # The first case is closed now: the new referral opens a second episode (a duplicate
        # when an earlier run sent it).
        self.post_items(
            lead_intake,
            "/v1/referrals",
            [self.referral(pilot, REFERRED_AGAIN, again=True)],
            "referrals",
        )

    # --- all of it --------------------------------------------------------------------------

    def run(self) -> None:
        started = time.monotonic()
        self.reference_data()
        for pilot in PILOTS:
            self.pilot(pilot)
        self.say(f"Demo data loaded in {time.monotonic() - started:.0f} s:")
        made = ", ".join(f"{n} {what}" for what, n in sorted(self.report.created.items()) if n)
        self.say(f"  new: {made or 'nothing (it was loaded already)'}")
        self.say("Demo users (sign in as one, or: turvaverkko token --role ROLE --subject SUBJECT")
        self.say("  --pilot PILOT):")
        self.say(f"  {'subject':<20} {'role':<14} pilots")
        for subject, role, pilots in demo_users():
            self.say(f"  {subject:<20} {role:<14} {', '.join(pilots) or EVERY_PILOT[role]}")


def offer(settings: Settings) -> str | None:
    """What ``turvaverkko run`` says on an empty development database: how to load the demo."""
    if settings.env != "development" or settings.jwks_url:
        return None
    engine = create_engine(settings.database_url("pilots"), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if connection.execute(sa.select(sa.exists().select_from(tables.pilot))).scalar():
                return None
    finally:
        engine.dispose()
    return (
        "the database has no pilots yet: load the synthetic demo data with `make demo` "
        "(or `turvaverkko demo`) in another terminal once the services answer"
    )


def load(settings: Settings, out: Any = sys.stdout) -> int:
    """Load the demo into the running stack; 2 (with a message) if it cannot."""
    if settings.env != "development" or settings.jwks_url:
        print(
            "turvaverkko demo: refused — the demo mints development tokens and loads synthetic "
            f"data, so it runs only with TURVAVERKKO_ENV=development (this is {settings.env!r}"
            f"{', with a JWKS URL' if settings.jwks_url else ''}).",
            file=sys.stderr,
        )
        return 2
    try:
        Loader(settings, out).run()
    except DemoError as exc:
        print(f"turvaverkko demo: {exc}", file=sys.stderr)
        return 1
    return 0
