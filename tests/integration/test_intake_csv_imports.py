"""CSV imports through the API and the import worker: every physical line of a file is accounted
for (a broken quote spoils its own line only).

All data is synthetic: identity codes made by ``format_identity_code`` with valid check characters.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.intake.domain.files import VALUE_WORDS
from services.intake.domain.hetu import format_identity_code
from services.intake.store.tables import import_error
from shared.config import Settings
from tests.integration.test_intake_imports import headers, run_worker

pytestmark = pytest.mark.integration

REFERRAL_HEADER = (
    "source_system;source_id;pilot_id;personal_identity_code;gender;home_region;"
    "referring_organisation_type;reason;referred_on\r\n"
)


def code(n: int) -> str:
    """A synthetic identity code, a different person for every n."""
    return format_identity_code(date(2008, 1, 1) + timedelta(days=n % 3000), 2 + n % 898)


def referral_line(n: int, reason: str = "other") -> str:
    return f"apotti;R-{n};pilot-a;{code(n)};female;08;school;{reason};1.10.2026\r\n"


def import_file(
    intake_app: Flask, client: FlaskClient, settings: Settings, body: str | bytes, kind: str
) -> tuple[dict[str, Any], list[list[str]]]:
    """Upload ``body``, run the import worker over it; the job as the API reports it, and the
    rows of its errors CSV (header first)."""
    data = body.encode() if isinstance(body, str) else body
    r = client.post(f"/v1/imports?kind={kind}", data=data, headers=headers(settings))
    assert r.status_code == 202, r.get_json()
    job_id = r.get_json()["id"]
    run_worker(intake_app)
    job = client.get(f"/v1/imports/{job_id}", headers=headers(settings)).get_json()
    report = client.get(f"/v1/imports/{job_id}/errors", headers=headers(settings))
    return job, list(csv.reader(io.StringIO(report.get_data(as_text=True))))


def accounted(job: dict[str, Any]) -> int:
    assert job["status"] == "finished", job
    assert job["rows_read"] == job["accepted"] + job["duplicates"] + job["rejected"], job
    return int(job["rows_read"])


# --- Every line accounted for ---------------------------------------------------------------------


def test_a_stray_quote_in_a_1000_row_file_is_one_rejected_row_and_999_are_accepted(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings
) -> None:
    lines = [referral_line(n, '"other' if n == 2 else "other") for n in range(1, 1001)]
    job, errors = import_file(
        intake_app, intake_client, settings, REFERRAL_HEADER + "".join(lines), "referral"
    )
    assert accounted(job) == 1000
    assert (job["accepted"], job["duplicates"], job["rejected"]) == (999, 0, 1)
    assert errors == [
        ["row", "field", "message"],
        ["3", "", "a quoted cell is not closed on its line"],  # the header is row 1
    ]


@pytest.mark.parametrize(
    "long_line",
    [
        # A quote opened before 100,000 characters and never closed: it used to take the
        # following lines into its cell up to the csv field limit, and lose them.
        f'apotti;R-2;pilot-a;{code(2)};female;08;school;"{"x" * 100_000}\r\n',
        # Past the csv field limit (131,072 characters) on its own line.
        f'apotti;R-2;pilot-a;{code(2)};female;08;school;"{"x" * 200_000}";1.10.2026\r\n',
    ],
    ids=["unclosed-100k", "over-the-field-limit-200k"],
)
def test_a_very_long_quoted_field_is_one_rejected_row_and_the_rest_are_accepted(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, long_line: str
) -> None:
    lines = [long_line if n == 2 else referral_line(n) for n in range(1, 1001)]
    job, errors = import_file(
        intake_app, intake_client, settings, REFERRAL_HEADER + "".join(lines), "referral"
    )
    assert accounted(job) == 1000
    assert (job["accepted"], job["rejected"]) == (999, 1)
    assert [row[:2] for row in errors[1:]] == [["3", ""]]


def test_a_quoted_field_over_many_lines_gives_one_result_per_line(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings
) -> None:
    """A cell cannot hold a line break: the line opening the quote is reported, and each line
    after it is a row of its own — rejected here, as it is no referral — so no line is lost."""
    body = (
        REFERRAL_HEADER
        + referral_line(1)
        + f'apotti;R-2;pilot-a;{code(2)};female;08;school;"{"x" * 50}\r\n'
        + f"{'x' * 50}\r\n" * 300
        + '";1.10.2026\r\n'
        + "".join(referral_line(n) for n in range(3, 103))
    )
    job, errors = import_file(intake_app, intake_client, settings, body, "referral")
    assert accounted(job) == 1 + 1 + 300 + 1 + 100
    assert (job["accepted"], job["rejected"]) == (101, 302)
    assert errors[1] == ["3", "", "a quoted cell is not closed on its line"]
    assert {int(row[0]) for row in errors[1:]} == set(range(3, 3 + 302))


# --- Excel's "Unicode text" ----------------------------------------------------------------------


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE], ids=["le", "be"])
def test_excel_unicode_text_utf16_with_tabs_is_imported(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, bom: bytes
) -> None:
    encoding = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    text = (REFERRAL_HEADER + "".join(referral_line(n) for n in range(1, 51))).replace(";", "\t")
    job, errors = import_file(
        intake_app, intake_client, settings, bom + text.encode(encoding), "referral"
    )
    assert (
        accounted(job) == 50 and job["accepted"] == 50 and errors == [["row", "field", "message"]]
    )


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("referral", (REFERRAL_HEADER + referral_line(1)).encode("utf-16-le")),
        ("referral", (REFERRAL_HEADER + referral_line(1)).encode("utf-16-be")),
        ("participation", codecs.BOM_UTF16_LE + '{"source_id": "P-1"}\n'.encode("utf-16-le")),
    ],
    ids=["csv-le-without-bom", "csv-be-without-bom", "ndjson-utf16"],
)
def test_a_utf16_file_that_cannot_be_read_fails_its_import_naming_the_encoding(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, kind: str, body: bytes
) -> None:
    content_type = "text/csv" if kind == "referral" else "application/x-ndjson"
    r = intake_client.post(
        f"/v1/imports?kind={kind}", data=body, headers=headers(settings, content_type=content_type)
    )
    assert r.status_code == 202
    run_worker(intake_app)
    job = intake_client.get(f"/v1/imports/{r.get_json()['id']}", headers=headers(settings))
    assert job.get_json()["status"] == "failed"
    assert "UTF-16" in job.get_json()["failure"]
    assert code(1) not in job.get_json()["failure"]


# --- Finnish and Swedish exports ------------------------------------------------------------------

HEADERS = {
    "fi": {
        "referral": "Lähdejärjestelmä;Lähdetunniste;Pilotti;Henkilötunnus;Sukupuoli;"
        "Hyvinvointialue;Lähettävä organisaatio;Lähettämisen syy;Lähetyspäivä",
        "participation": "Lähdejärjestelmä;Lähdetunniste;Pilotti;Henkilötunnus;Toiminto;"
        "Ajankohta;Kesto min;Läsnäolo;Osallistumisen laji",
        "outcome": "Lähdejärjestelmä;Lähdetunniste;Pilotti;Henkilötunnus;Mittari;Arvo;"
        "Mittausajankohta;Mittauspäivä",
    },
    "sv": {
        "referral": "Källsystem;Källid;Pilot;Personbeteckning;Kön;Välfärdsområde;"
        "Remitterande organisation;Remissorsak;Remissdatum",
        "participation": "Källsystem;Källid;Pilot;Personbeteckning;Aktivitet;Tidpunkt;"
        "Längd min;Närvaro;Deltagandeform",
        "outcome": "Källsystem;Källid;Pilot;Personbeteckning;Mätare;Värde;Mättidpunkt;Mätdatum",
    },
}


def words(column: str, language: str) -> list[str]:
    """Every word of the language for the column, each value's words in turn."""
    index = 0 if language == "fi" else 1
    return [word for pair in VALUE_WORDS[column].values() for word in pair[index]]


def export(kind: str, language: str) -> str:
    """An export as a Finnish (or Swedish) client-information system writes it: its language's
    column names and value words (every word of the tables, in turn), region codes without their
    leading zero, d.m.yyyy dates, times with a dot, decimal commas."""
    lines = [HEADERS[language][kind]]
    if kind == "referral":
        genders, organisations = (
            words("gender", language),
            words("referring_organisation_type", language),
        )
        reasons, regions = words("reason", language), ["8", "1", *words("home_region", language)]
        count = max(len(genders), len(organisations), len(reasons), len(regions))
        for n in range(count):
            lines.append(
                f"apotti;{language}-R-{n};pilot-a;{code(n)};{genders[n % len(genders)]};"
                f"{regions[n % len(regions)]};{organisations[n % len(organisations)]};"
                f"{reasons[n % len(reasons)]};{1 + n % 28}.10.2026"
            )
    elif kind == "participation":
        attendance, kinds = words("attendance", language), words("kind", language)
        for n in range(max(len(attendance), len(kinds))):
            lines.append(
                f"apotti;{language}-P-{n};pilot-a;{code(n)};pilot-a-act-{n % 2};"
                f"{1 + n % 28}.10.2026 16.30;45;{attendance[n % len(attendance)]};"
                f"{kinds[n % len(kinds)]}"
            )
    else:
        for n, time_point in enumerate(words("time_point", language)):
            lines.append(
                f"apotti;{language}-O-{n};pilot-a;{code(n)};WEMWBS;{40 + n},5;{time_point};"
                f"{1 + n}.11.2026"
            )
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("language", ["fi", "sv"])
@pytest.mark.parametrize("kind", ["referral", "participation", "outcome"])
def test_a_finnish_or_swedish_export_with_every_value_word_imports_without_a_rejected_row(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, kind: str, language: str
) -> None:
    body = export(kind, language)
    assert (";8;" in body) == (kind == "referral")
    # Excel writes Windows-1252 as often as UTF-8.
    job, errors = import_file(intake_app, intake_client, settings, body.encode("cp1252"), kind)
    assert errors == [["row", "field", "message"]]
    assert accounted(job) == body.count("\r\n") - 1
    assert job["accepted"] == job["rows_read"] and job["rejected"] == 0


# --- CSV injection ----------------------------------------------------------------------------------

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", '=HYPERLINK("x")']


def formula_cells(rows: list[list[str]]) -> list[str]:
    """The cells a spreadsheet would run as a formula."""
    return [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_no_client_text_starts_a_formula_cell_in_the_errors_csv(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings
) -> None:
    """Formula text in every place a client controls — as keys, as values, as CSV cells — is
    never echoed into the errors CSV: field names are the declared ones, messages fixed texts."""
    ndjson = "\n".join(
        json.dumps({formula: "x", "source_id": formula, "gender": formula, "pilot_id": formula})
        for formula in FORMULAS
    )
    r = intake_client.post(
        "/v1/imports?kind=referral",
        data=ndjson,
        headers=headers(settings, content_type="application/x-ndjson"),
    )
    run_worker(intake_app)
    report = intake_client.get(
        f"/v1/imports/{r.get_json()['id']}/errors", headers=headers(settings)
    )
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True))))
    assert len(rows) > len(FORMULAS) and formula_cells(rows) == []
    body = REFERRAL_HEADER + "".join(
        f"apotti;{formula};pilot-a;{code(1)};{formula};{formula};school;{formula};1.10.2026\r\n"
        for formula in FORMULAS
    )
    job, rows = import_file(intake_app, intake_client, settings, body, "referral")
    assert job["rejected"] == len(FORMULAS) and formula_cells(rows) == []


def test_the_errors_csv_neutralises_formula_text_whatever_is_stored(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    """Nothing client-chosen reaches the stored errors today; the writer neutralises them anyway,
    so that a later message that quotes something cannot open a formula."""
    job, _ = import_file(intake_app, intake_client, settings, REFERRAL_HEADER, "referral")
    with engines["intake"].begin() as connection:
        connection.execute(
            import_error.insert(),
            [
                {"import_id": job["id"], "row_number": n, "field": formula, "message": formula}
                for n, formula in enumerate(FORMULAS, start=2)
            ],
        )
    report = intake_client.get(f"/v1/imports/{job['id']}/errors", headers=headers(settings))
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True))))
    assert rows[1:] == [[str(n), f"'{f}", f"'{f}"] for n, f in enumerate(FORMULAS, start=2)]
