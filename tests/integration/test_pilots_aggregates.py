"""The coordinators' aggregates: an incremental, idempotent roll-up whose distinct counts stay right
when rolled up to quarters, years, all pilots and all regions; published tables under disclosure
control as JSON and CSV; the ESF+ participant indicators; and who may see them."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.pilots.consumers import AGGREGATES
from services.pilots.domain.aggregates import TABLES
from services.pilots.domain.disclosure import TOTAL
from services.pilots.store.rollup_index import RollupIndex
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from tests.support.api import assert_problem, bearer
from tests.support.consume import deliver, deliver_batch

pytestmark = pytest.mark.integration


def attended(
    person: str,
    on: str,
    pilot: str = "pilot-north",
    region: str = "19",
    gender: str = "female",
    age_band: str = "13-15",
    attendance: str = "attended",
) -> Envelope:
    return Envelope.new(
        EventType.PARTICIPATION_RECORDED,
        "/turvaverkko/intake",
        {
            "pilot_id": pilot,
            "key_id": "dev",
            "pseudonym": person,
            "gender": gender,
            "home_region": region,
            "age_band": age_band,
            "activity_id": "climbing",
            "activity_type": "sports",
            "occurred_at": f"{on}T17:00:00+03:00",
            "attendance": attendance,
            "kind": "guided_leisure",
        },
    )


@pytest.fixture
def consumer(settings: Settings, engines: dict[str, Engine]) -> Consumer:
    sessions = make_session_factory(engines["pilots"])
    return Consumer(settings, AGGREGATES, lambda: UnitOfWork(sessions))


def cells_of(engines: dict[str, Engine], table: str, period: tuple[date, date], **kw: Any) -> dict:
    return RollupIndex(engines["pilots"], TABLES).cells(TABLES[table], *period, **kw)


def test_distinct_counts_stay_right_across_months_pilots_and_duplicate_deliveries(
    pilots_app: Any, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    twice_in_quarter = [attended("a", "2026-07-03"), attended("a", "2026-08-20")]
    two_pilots = [attended("b", "2026-07-05"), attended("b", "2026-07-06", pilot="pilot-south")]
    other = [attended("c", "2026-09-01", gender="male", region="08")]
    absent = [attended("d", "2026-07-07", attendance="absent")]
    events = twice_in_quarter + two_pilots + other + absent
    deliver(consumer, *events, *events)  # every event delivered twice
    q3 = (date(2026, 7, 1), date(2026, 10, 1))
    by_region_gender = cells_of(engines, "participants-by-region-gender", q3)
    assert by_region_gender[(TOTAL, TOTAL)].count == 3  # a, b, c: each once
    assert by_region_gender[("19", "female")].count == 2
    assert by_region_gender[("08", TOTAL)].count == 1
    by_pilot = cells_of(engines, "participants-by-pilot-age-band", q3)
    assert by_pilot[("pilot-north", TOTAL)].count == 3
    assert by_pilot[("pilot-south", TOTAL)].count == 1
    assert by_pilot[(TOTAL, TOTAL)].count == 3  # b in two pilots counts once
    by_month = cells_of(engines, "participants-by-activity-type-month", q3)
    assert [by_month[("sports", m)].count for m in ("2026-07", "2026-08", "2026-09")] == [2, 1, 1]
    assert by_month[("sports", TOTAL)].count == 3
    year = cells_of(engines, "participants-by-kind", (date(2026, 1, 1), date(2027, 1, 1)))
    assert year[(TOTAL,)].count == 3
    # the same person's cell key is the same in every table
    assert by_region_gender[(TOTAL, TOTAL)].key_sum == by_pilot[(TOTAL, TOTAL)].key_sum
    assert consumer.outcomes["duplicate"] == len(events)


def test_a_coordinator_gets_a_protected_table_as_json_and_csv_with_totals(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer
) -> None:
    people = itertools.count()
    events = []
    for region, gender, n in [
        ("19", "female", 12),
        ("19", "male", 9),
        ("08", "female", 15),
        ("08", "male", 2),  # a small cell
        ("06", "female", 8),
        ("06", "male", 11),
    ]:
        events += [
            attended(f"p{next(people)}", "2026-07-10", region=region, gender=gender)
            for _ in range(n)
        ]
    deliver(consumer, *events)
    coordinator = bearer(settings, "coordinator")
    url = "/v1/aggregates/participants-by-region-gender?period=2026-Q3"
    body = pilots_client.get(url, headers=coordinator).get_json()
    cells = {(c["dimensions"]["region"], c["dimensions"]["gender"]): c for c in body["cells"]}
    assert cells[("08", "male")] == {
        "dimensions": {"region": "08", "gender": "male"},
        "value": None,
        "suppressed": "primary",
    }
    secondary = [k for k, c in cells.items() if c["suppressed"] == "secondary"]
    assert len(secondary) >= 3  # the hypercube around the small cell
    assert (TOTAL, TOTAL) in cells and ("19", TOTAL) in cells and (TOTAL, "female") in cells
    published = [c["value"] for c in cells.values() if c["value"] is not None]
    assert all(v >= settings.disclosure_threshold for v in published)
    assert abs(cells[(TOTAL, TOTAL)]["value"] - 57) <= 2
    assert "hypercube" in body["disclosure_control"] and body["threshold"] == 5

    again = pilots_client.get(url, headers=coordinator).get_json()
    assert again == body  # the same request, the same numbers

    r = pilots_client.get(url, headers=coordinator | {"Accept": "text/csv"})
    assert r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert {tuple(rows[0])} == {("region", "gender", "value", "suppressed")}
    assert {(row["region"], row["gender"]): row["suppressed"] for row in rows}[
        ("08", "male")
    ] == "primary"


def test_esf_indicators_per_pilot_and_for_the_programme(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer
) -> None:
    people = itertools.count()
    events = []
    for pilot, gender, age_band, n in [
        ("pilot-north", "female", "13-15", 10),
        ("pilot-north", "male", "18-21", 10),
        ("pilot-south", "female", "16-17", 7),
        ("pilot-south", "male", "22-25", 8),
    ]:
        events += [
            attended(
                f"e{next(people)}", "2026-05-04", pilot=pilot, gender=gender, age_band=age_band
            )
            for _ in range(n)
        ]
    deliver(consumer, *events)
    r = pilots_client.get(
        "/v1/aggregates/indicators?period=2026", headers=bearer(settings, "coordinator")
    )
    rows = {row["pilot"]: row for row in r.get_json()["indicators"]}
    assert set(rows) == {"pilot-north", "pilot-south", "programme"}
    programme = rows["programme"]
    assert abs(programme["participants"] - 35) <= 2
    assert abs(programme["women"] - 17) <= 2 and abs(programme["men"] - 18) <= 2
    assert abs(programme["aged_below_18"] - 17) <= 2 and abs(programme["aged_18_29"] - 18) <= 2
    assert programme.get("non_binary") in (0, None)
    north = rows["pilot-north"]
    assert abs(north["women"] - 10) <= 2 and abs(north["aged_18_29"] - 10) <= 2
    csv_rows = pilots_client.get(
        "/v1/aggregates/indicators?period=2026",
        headers=bearer(settings, "coordinator") | {"Accept": "text/csv"},
    ).get_data(as_text=True)
    assert (
        csv_rows.splitlines()[0]
        == "pilot,participants,women,men,non_binary,aged_below_18,aged_18_29"
    )


def test_only_coordinators_admins_and_a_pilots_own_leads_see_aggregates(
    pilots_client: FlaskClient, settings: Settings
) -> None:
    url = "/v1/aggregates/participants-by-kind?period=2026-Q3"
    assert (
        pilots_client.get(
            "/v1/aggregates/tables", headers=bearer(settings, "coordinator")
        ).status_code
        == 200
    )
    for role in ("pilot_worker", "integration"):
        assert_problem(pilots_client.get(url, headers=bearer(settings, role)), 403)
    lead = bearer(settings, "pilot_lead", pilots=["pilot-north"])
    assert_problem(pilots_client.get(url, headers=lead), 403)
    assert_problem(pilots_client.get(url + "&pilot=pilot-south", headers=lead), 403)
    assert pilots_client.get(url + "&pilot=pilot-north", headers=lead).status_code == 200
    bad = assert_problem(
        pilots_client.get(
            "/v1/aggregates/participants-by-kind?period=2026-Q5&colour=red",
            headers=bearer(settings, "coordinator"),
        ),
        422,
    )
    assert {e.get("parameter") for e in bad["errors"]} == {"period", ""}  # "colour": not repeated
    assert_problem(
        pilots_client.get("/v1/aggregates/nope?period=2026", headers=bearer(settings, "admin")), 404
    )


def test_a_batched_message_rolls_up_like_its_events_one_by_one_and_a_redelivery_adds_nothing(
    pilots_app: Any, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    events = [attended(f"x{n % 7}", f"2026-07-{1 + n % 28:02d}") for n in range(40)]
    events += [attended("x0", "2026-07-02", attendance="cancelled")]
    message = [*events, events[0]]  # one event twice
    deliver_batch(consumer, message)
    deliver_batch(consumer, message)  # the whole message again
    with engines["pilots"].connect() as connection:
        people, total = connection.execute(
            sa.text("SELECT count(DISTINCT person_id), sum(events) FROM agg_member")
        ).one()
    assert (people, total) == (7, 40)
    q3 = (date(2026, 7, 1), date(2026, 10, 1))
    assert cells_of(engines, "participants-by-kind", q3)[(TOTAL,)].count == 7


def test_the_same_young_people_get_the_same_figure_in_every_table_period_and_filter(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer
) -> None:
    """A table and a finer table over the same people, a quarter and the year that holds only it,
    the whole and a filter that happens to select everyone: all give one figure, so comparing
    them reveals nothing."""
    deliver(
        consumer,
        *(
            attended(f"s{n}", "2026-08-12", region="08", gender=("female", "male")[n % 2])
            for n in range(23)
        ),
    )
    coordinator = bearer(settings, "coordinator")

    def grand_total(table: str, query: str) -> int:
        body = pilots_client.get(f"/v1/aggregates/{table}?{query}", headers=coordinator).get_json()
        [total] = [c for c in body["cells"] if set(c["dimensions"].values()) == {TOTAL}]
        return total["value"]

    figures = {
        grand_total("participants-by-kind", "period=2026-Q3"),
        grand_total("participants-by-region-gender", "period=2026-Q3"),
        grand_total("participants-by-activity-type-month", "period=2026"),
        grand_total("participants-by-region-gender", "period=2026-08&region=08"),
        grand_total("esf-participants-by-pilot-gender", "period=2026"),
    }
    assert len(figures) == 1 and abs(figures.pop() - 23) <= 2


def test_aggregates_csv_cells_that_would_start_a_formula_are_neutralised(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer
) -> None:
    """Pilot ids are chosen by people; as CSV cells a spreadsheet must not run them. Counts
    stay numbers."""
    pilots = ["=cmd|' /C calc'!A0", "+pilot", "-pilot", "@pilot", "plain-pilot"]
    people = itertools.count()
    deliver(
        consumer,
        *(
            attended(f"f{next(people)}", "2026-07-10", pilot=pilot)
            for pilot in pilots
            for _ in range(8)
        ),
    )
    coordinator = bearer(settings, "coordinator") | {"Accept": "text/csv"}
    table = pilots_client.get(
        "/v1/aggregates/participants-by-pilot-age-band?period=2026-Q3", headers=coordinator
    )
    indicators = pilots_client.get("/v1/aggregates/indicators?period=2026", headers=coordinator)
    expected = {"'=cmd|' /C calc'!A0", "'+pilot", "'-pilot", "'@pilot", "plain-pilot"}
    for response, value_columns in ((table, ["value"]), (indicators, ["participants", "women"])):
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert {row["pilot"] for row in rows} - {TOTAL, "programme"} == expected
        figures = [row[column] for row in rows for column in value_columns if row[column]]
        assert figures and all(figure.isdigit() for figure in figures)
        assert not [
            cell for row in rows for cell in row.values() if cell[:1] in ("=", "+", "-", "@")
        ]
