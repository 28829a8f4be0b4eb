"""The pilots service's reference data: regions from a migration; organisations, pilots, activities
and instruments with validation, cursor pagination, filters, ETag/If-Match; the innovation
lifecycle; who may change what; and the events that keep other services' copies."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from shared.config import Settings
from shared.messaging.envelope import Envelope
from tests.support.api import assert_problem, bearer

pytestmark = pytest.mark.integration


def admin(settings: Settings) -> dict[str, str]:
    return bearer(settings, "admin", subject="admin-1")


def lead(settings: Settings, *pilots: str) -> dict[str, str]:
    return bearer(settings, "pilot_lead", subject="lead-1", pilots=pilots)


def organisation(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": f"org-{n}",
        "name": f"Organisation {n}",
        "type": "wellbeing_services_county",
        "business_id": "1234567-8",
        "region_code": "08",
    } | changes


def pilot_body(pilot_id: str = "pirkanmaa-nuoret", **changes: Any) -> dict[str, Any]:
    return {
        "id": pilot_id,
        "name_fi": "Nuorten turvaverkko Pirkanmaalla",
        "name_sv": "Ungas skyddsnät i Birkaland",
        "lead_organisation_id": "org-1",
        "partner_organisation_ids": ["org-2"],
        "regions": ["08"],
        "theme": "participation",
        "target_group": "13–17-year-old child-welfare clients",
        "starts_on": "2026-01-01",
        "ends_on": "2027-12-31",
        "idle_days": 21,
        "members": [
            {"subject": "worker-1", "role": "worker"},
            {"subject": "lead-1", "role": "lead"},
        ],
    } | changes


def activity_body(pilot_id: str = "pirkanmaa-nuoret", **changes: Any) -> dict[str, Any]:
    return {
        "pilot_id": pilot_id,
        "name": "Climbing group",
        "activity_type": "sports",
        "schedule": "recurring",
        "recurrence": "weekly",
        "starts_at": "2026-09-01T16:00:00+03:00",
        "place_type": "youth_centre",
        "capacity": 12,
        "workers": ["worker-1"],
    } | changes


@pytest.fixture
def with_pilot(pilots_client: FlaskClient, settings: Settings) -> dict[str, Any]:
    for n in (1, 2):
        r = pilots_client.post("/v1/organisations", json=organisation(n), headers=admin(settings))
        assert r.status_code == 201, r.get_json()
    r = pilots_client.post("/v1/pilots", json=pilot_body(), headers=admin(settings))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def outbox(engine: Engine) -> list[Envelope]:
    with engine.connect() as connection:
        payloads = connection.execute(sa.text("SELECT payload FROM outbox ORDER BY id")).scalars()
        return [Envelope.from_json_bytes(p) for p in payloads]


def test_regions_are_the_21_counties_helsinki_and_aland_with_finnish_and_swedish_names(
    pilots_client: FlaskClient, settings: Settings
) -> None:
    regions = pilots_client.get("/v1/regions", headers=bearer(settings, "coordinator")).get_json()
    codes = [r["code"] for r in regions]
    assert codes == [f"{n:02d}" for n in range(1, 22)] + ["90", "91"]
    by_code = {r["code"]: r for r in regions}
    assert by_code["08"]["name_fi"] == "Pirkanmaan hyvinvointialue"
    assert by_code["90"]["name_sv"] == "Helsingfors stad" and by_code["91"]["kind"] == "aland"


def test_organisations_are_created_by_admins_validated_and_listed_page_by_page(
    pilots_client: FlaskClient, settings: Settings
) -> None:
    for n in range(1, 6):
        kind = "ngo" if n % 2 else "municipality"
        r = pilots_client.post(
            "/v1/organisations", json=organisation(n, type=kind), headers=admin(settings)
        )
        assert r.status_code == 201 and r.headers["ETag"] == '"1"'
    assert_problem(
        pilots_client.post("/v1/organisations", json=organisation(1), headers=admin(settings)), 409
    )
    assert_problem(
        pilots_client.post("/v1/organisations", json=organisation(9), headers=lead(settings)), 403
    )
    bad = assert_problem(
        pilots_client.post(
            "/v1/organisations",
            json={"id": "X", "name": "", "type": "club", "business_id": "12-3", "extra": 1},
            headers=admin(settings),
        ),
        422,
    )
    assert {e["pointer"] for e in bad["errors"]} == {
        "#/id",
        "#/name",
        "#/type",
        "#/business_id",
        "#",  # "extra" is no field of the API: not repeated
    }

    seen, cursor, pages = [], None, 0
    while True:
        query = "/v1/organisations?limit=2" + (f"&cursor={cursor}" if cursor else "")
        r = pilots_client.get(query, headers=bearer(settings, "integration"))
        body = r.get_json()
        seen += [o["id"] for o in body["items"]]
        pages += 1
        cursor = body.get("next_cursor")
        if cursor is None:
            assert "Link" not in r.headers
            break
        assert r.headers["Link"].endswith('rel="next"')
    assert (seen, pages) == ([f"org-{n}" for n in range(1, 6)], 3)
    ngos = pilots_client.get("/v1/organisations?type=ngo", headers=admin(settings)).get_json()
    assert [o["id"] for o in ngos["items"]] == ["org-1", "org-3", "org-5"]
    broken = assert_problem(
        pilots_client.get("/v1/organisations?cursor=%%%", headers=admin(settings)), 422
    )
    assert broken["errors"] == [{"parameter": "cursor", "detail": "Not a cursor of this list."}]


def test_a_pilot_is_created_with_its_partners_regions_and_members_and_published(
    pilots_client: FlaskClient,
    settings: Settings,
    with_pilot: dict[str, Any],
    engines: dict[str, Engine],
) -> None:
    assert with_pilot["phase"] == "idea" and with_pilot["version"] == 1
    assert with_pilot["partner_organisation_ids"] == ["org-2"]
    assert with_pilot["members"] == [
        {"subject": "lead-1", "role": "lead"},
        {"subject": "worker-1", "role": "worker"},
    ]
    [event] = [e for e in outbox(engines["pilots"]) if e.type == "pilot.published"]
    assert event.data["pilot_id"] == "pirkanmaa-nuoret" and event.data["version"] == 1
    assert (event.data["active"], event.data["starts_on"]) == (True, "2026-01-01")

    bad = assert_problem(
        pilots_client.post(
            "/v1/pilots",
            json=pilot_body("other-pilot", lead_organisation_id="org-404", ends_on="2025-01-01"),
            headers=admin(settings),
        ),
        422,
    )
    assert {e["pointer"] for e in bad["errors"]} == {"#/ends_on"}
    unknown = assert_problem(
        pilots_client.post(
            "/v1/pilots",
            json=pilot_body("other-pilot", lead_organisation_id="org-404"),
            headers=admin(settings),
        ),
        422,
    )
    assert unknown["errors"] == [
        {"pointer": "#/lead_organisation_id", "detail": "No such organisation."}
    ]
    listed = pilots_client.get("/v1/pilots?region=08", headers=bearer(settings, "coordinator"))
    assert [p["id"] for p in listed.get_json()["items"]] == ["pirkanmaa-nuoret"]
    assert pilots_client.get("/v1/pilots?region=01", headers=admin(settings)).get_json() == {
        "items": []
    }
    by_partner = pilots_client.get("/v1/pilots?organisation=org-2", headers=admin(settings))
    assert [p["id"] for p in by_partner.get_json()["items"]] == ["pirkanmaa-nuoret"]


def test_updates_need_if_match_and_of_two_made_from_one_etag_exactly_one_wins(
    pilots_app: Any, settings: Settings, with_pilot: dict[str, Any]
) -> None:
    client = pilots_app.test_client()
    url = "/v1/pilots/pirkanmaa-nuoret"
    assert_problem(client.patch(url, json={"theme": "x"}, headers=admin(settings)), 428)

    etag = client.get(url, headers=admin(settings)).headers["ETag"]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def update(theme: str) -> None:
        own = pilots_app.test_client()
        barrier.wait()
        r = own.patch(url, json={"theme": theme}, headers=admin(settings) | {"If-Match": etag})
        statuses.append(r.status_code)

    threads = [threading.Thread(target=update, args=(t,)) for t in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200, 412]
    now = client.get(url, headers=admin(settings))
    assert now.headers["ETag"] == '"2"' and now.get_json()["theme"] in {"first", "second"}

    # the result of a patch is validated whole: ends_on may not move before the stored starts_on
    bad = assert_problem(
        client.patch(
            url, json={"ends_on": "2025-06-01"}, headers=admin(settings) | {"If-Match": '"2"'}
        ),
        422,
    )
    assert [e["pointer"] for e in bad["errors"]] == ["#/ends_on"]
    assert_problem(
        client.patch("/v1/pilots/nope", json={}, headers=admin(settings) | {"If-Match": '"1"'}), 404
    )


def test_a_lead_changes_only_their_own_pilot_and_coordinators_only_read(
    pilots_client: FlaskClient, settings: Settings, with_pilot: dict[str, Any]
) -> None:
    url = "/v1/pilots/pirkanmaa-nuoret"
    own = lead(settings, "pirkanmaa-nuoret") | {"If-Match": '"1"'}
    r = pilots_client.patch(url, json={"idle_days": 14}, headers=own)
    assert r.status_code == 200 and r.get_json()["idle_days"] == 14
    other = lead(settings, "another-pilot") | {"If-Match": '"2"'}
    assert_problem(pilots_client.patch(url, json={"idle_days": 7}, headers=other), 403)
    coordinator = bearer(settings, "coordinator") | {"If-Match": '"2"'}
    assert pilots_client.get(url, headers=coordinator).status_code == 200
    assert pilots_client.get(url + "/lifecycle", headers=coordinator).status_code == 200
    assert_problem(pilots_client.patch(url, json={"idle_days": 7}, headers=coordinator), 403)
    assert_problem(
        pilots_client.post(
            url + "/lifecycle/changes",
            json={"to_phase": "piloting", "changed_on": "2026-02-01", "reason": "x"},
            headers=coordinator,
        ),
        403,
    )


def test_a_lead_of_another_pilot_is_refused_before_if_match_is_asked_for(
    pilots_client: FlaskClient, settings: Settings, with_pilot: dict[str, Any]
) -> None:
    url = "/v1/pilots/pirkanmaa-nuoret"
    other = lead(settings, "another-pilot")
    assert_problem(pilots_client.patch(url, json={"idle_days": 7}, headers=other), 403)
    own = lead(settings, "pirkanmaa-nuoret")
    assert_problem(pilots_client.patch(url, json={"idle_days": 7}, headers=own), 428)


def test_the_innovation_moves_one_phase_at_a_time_with_a_dated_history_and_evidence(
    pilots_client: FlaskClient,
    settings: Settings,
    with_pilot: dict[str, Any],
    engines: dict[str, Engine],
) -> None:
    url = "/v1/pilots/pirkanmaa-nuoret/lifecycle"
    headers = lead(settings, "pirkanmaa-nuoret")

    def move(to: str, on: str) -> Any:
        return pilots_client.post(
            url + "/changes",
            json={"to_phase": to, "changed_on": on, "reason": f"ready for {to}"},
            headers=headers,
        )

    assert move("piloting", "2026-02-01").status_code == 201
    skipped = assert_problem(move("modelling", "2026-03-01"), 409)
    assert "evaluation" in skipped["detail"]
    assert move("evaluation", "2026-06-01").status_code == 201
    r = pilots_client.post(
        "/v1/pilots/pirkanmaa-nuoret/evidence",
        json={
            "kind": "evaluation_result",
            "title": "Interim evaluation",
            "url": "https://example.org/report.pdf",
            "recorded_on": "2026-06-15",
        },
        headers=headers,
    )
    assert r.status_code == 201 and r.get_json()["recorded_by"] == "lead-1"
    assert move("discontinued", "2026-07-01").status_code == 201
    assert_problem(move("modelling", "2026-08-01"), 409)  # discontinued is final

    life = pilots_client.get(url, headers=bearer(settings, "coordinator")).get_json()
    assert life["phase"] == "discontinued" and life["allowed_next"] == []
    assert [(h["from_phase"], h["to_phase"], h["changed_on"]) for h in life["history"]] == [
        ("idea", "piloting", "2026-02-01"),
        ("piloting", "evaluation", "2026-06-01"),
        ("evaluation", "discontinued", "2026-07-01"),
    ]
    assert {h["changed_by"] for h in life["history"]} == {"lead-1"}
    assert [e["title"] for e in life["evidence"]] == ["Interim evaluation"]
    changes = [e for e in outbox(engines["pilots"]) if e.type == "lifecycle.phase_changed"]
    assert [c.data["to_phase"] for c in changes] == ["piloting", "evaluation", "discontinued"]
    published = [e for e in outbox(engines["pilots"]) if e.type == "pilot.published"]
    assert [e.data["version"] for e in published] == [1, 2, 3, 4]


def test_activities_are_validated_filtered_versioned_and_published(
    pilots_client: FlaskClient,
    settings: Settings,
    with_pilot: dict[str, Any],
    engines: dict[str, Engine],
) -> None:
    headers = lead(settings, "pirkanmaa-nuoret")
    r = pilots_client.post("/v1/activities", json=activity_body(id="climbing"), headers=headers)
    assert r.status_code == 201 and r.headers["ETag"] == '"1"'
    r = pilots_client.post(
        "/v1/activities",
        json=activity_body(
            name="Theatre",
            activity_type="culture",
            schedule="one_off",
            recurrence=None,
            workers=["worker-2"],
        ),
        headers=headers,
    )
    assert r.status_code == 201
    theatre = r.get_json()["id"]
    bad = assert_problem(
        pilots_client.post(
            "/v1/activities",
            json=activity_body(
                recurrence=None, place_type="moon", capacity=0, starts_at="2026-09-01T16:00"
            ),
            headers=headers,
        ),
        422,
    )
    assert {e["pointer"] for e in bad["errors"]} == {"#/place_type", "#/capacity", "#/starts_at"}
    bad = assert_problem(
        pilots_client.post("/v1/activities", json=activity_body(recurrence=None), headers=headers),
        422,
    )
    assert [e["pointer"] for e in bad["errors"]] == ["#/recurrence"]
    assert_problem(
        pilots_client.post(
            "/v1/activities", json=activity_body("another-pilot"), headers=admin(settings)
        ),
        404,
    )
    assert_problem(
        pilots_client.post(
            "/v1/activities", json=activity_body(), headers=lead(settings, "another-pilot")
        ),
        403,
    )

    def ids(query: str) -> list[str]:
        r = pilots_client.get(f"/v1/activities?{query}", headers=bearer(settings, "integration"))
        return [a["id"] for a in r.get_json()["items"]]

    assert ids("pilot=pirkanmaa-nuoret&activity_type=sports") == ["climbing"]
    assert ids("worker=worker-2") == [theatre]
    assert ids("starts_from=2026-09-02T00:00:00%2B03:00") == []

    r = pilots_client.patch(
        "/v1/activities/climbing",
        json={"capacity": 10, "active": False},
        headers=headers | {"If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    published = [e for e in outbox(engines["pilots"]) if e.type == "activity.published"]
    climbing = [e.data for e in published if e.data["activity_id"] == "climbing"]
    assert [(d["version"], d["active"], d["activity_type"]) for d in climbing] == [
        (1, True, "sports"),
        (2, False, "sports"),
    ]
    assert all(d["pilot_id"] == "pirkanmaa-nuoret" for d in climbing)


def test_instruments_are_a_catalogue_whose_ranges_stay_consistent_and_are_published(
    pilots_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    body = {"code": "WEMWBS", "name": "Warwick-Edinburgh", "min_value": 14, "max_value": 70}
    r = pilots_client.post("/v1/instruments", json=body, headers=admin(settings))
    assert r.status_code == 201
    bad = assert_problem(
        pilots_client.patch(
            "/v1/instruments/WEMWBS",
            json={"max_value": 10},
            headers=admin(settings) | {"If-Match": '"1"'},
        ),
        422,
    )
    assert [e["pointer"] for e in bad["errors"]] == ["#/max_value"]
    r = pilots_client.patch(
        "/v1/instruments/WEMWBS",
        json={"max_value": 80},
        headers=admin(settings) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.get_json()["max_value"] == 80
    published = [e.data for e in outbox(engines["pilots"]) if e.type == "instrument.published"]
    assert [(d["version"], d["min_value"], d["max_value"]) for d in published] == [
        (1, 14, 70),
        (2, 14, 80),
    ]


def test_what_pilots_publishes_reaches_intake_which_then_accepts_items_for_it(
    pilots_client: FlaskClient,
    intake_app: Any,
    settings: Settings,
    with_pilot: dict[str, Any],
    engines: dict[str, Engine],
) -> None:
    """Through the real relay and RabbitMQ: a new activity and instrument become usable in intake
    without intake ever reading the pilots database."""
    from services.intake.consumers import REFERENCE_DATA
    from shared.db import UnitOfWork, make_session_factory
    from shared.messaging import topology
    from shared.messaging.consumer import Consumer
    from shared.messaging.outbox import OutboxRelay, pending_count
    from tests.support.intake_data import outcome, participation
    from tests.support.workers import running, wait_until

    headers = lead(settings, "pirkanmaa-nuoret")
    assert (
        pilots_client.post(
            "/v1/activities", json=activity_body(id="climbing"), headers=headers
        ).status_code
        == 201
    )
    assert (
        pilots_client.post(
            "/v1/instruments",
            json={"code": "YP-CORE", "name": "YP-CORE", "min_value": 0, "max_value": 40},
            headers=admin(settings),
        ).status_code
        == 201
    )

    intake = intake_app.test_client()
    worker = bearer(settings, "pilot_worker", pilots=["pirkanmaa-nuoret"])
    item = participation(1, pilot_id="pirkanmaa-nuoret", activity_id="climbing")
    measured = outcome(2, pilot_id="pirkanmaa-nuoret", instrument="YP-CORE", value=12)
    assert intake.post("/v1/participations", json=item, headers=worker).status_code == 422

    topology.declare(settings, [REFERENCE_DATA.queue])
    sessions = make_session_factory(engines["intake"])
    consumer = Consumer(settings, REFERENCE_DATA, lambda: UnitOfWork(sessions))
    with running(OutboxRelay(settings, engines["pilots"], "pilots")), running(consumer):
        wait_until(lambda: pending_count(engines["pilots"]) == 0, 30, "publishing")
        intake_app.extensions["intake"].reference.invalidate()

        def accepted() -> bool:
            intake_app.extensions["intake"].reference.invalidate()
            return intake.post("/v1/participations", json=item, headers=worker).status_code == 201

        wait_until(accepted, 30, "intake to accept items for the new activity")

        def measured_accepted() -> bool:
            # The instrument travels in a message of its own, maybe after the activity's.
            intake_app.extensions["intake"].reference.invalidate()
            return intake.post("/v1/outcomes", json=measured, headers=worker).status_code == 201

        wait_until(measured_accepted, 30, "intake to accept outcomes for the new instrument")
    too_high = outcome(3, pilot_id="pirkanmaa-nuoret", instrument="YP-CORE", value=41)
    assert intake.post("/v1/outcomes", json=too_high, headers=worker).status_code == 422
