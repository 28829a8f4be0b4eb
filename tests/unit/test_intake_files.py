"""Bulk files read into intake items: encodings, delimiters, Finnish headers and values, broken rows
reported by number without their contents, NDJSON, and flat memory on large files.

All data is synthetic: ids like "A-1", and identity codes that are merely shaped like real ones.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import string
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.intake.domain import files, vocabulary
from services.intake.domain.files import FileFormatError, Item, RowError, read_items
from shared.reference.regions import region_codes

HETU = "010203A902D"  # synthetic; stands for any value that must never come back in a message

FI_HEADER = (
    "Lähdejärjestelmä;Lähdetunniste;Pilotti;Henkilötunnus;Sukupuoli;Hyvinvointialue;"
    "Syntymäaika;Lähetyspäivä;Lähettämisen syy"
)
FI_ROWS = (
    f"apotti;A-1;pilotti-1;{HETU};Nainen;Päijät-Häme;4.5.2010;01.02.2024;school_attendance\n"
    "apotti;A-2;pilotti-1;020304A903E;mies;Pohjois-Savo;;15.01.2024;family_situation\n"
)
FI_FILE = FI_HEADER + "\n" + FI_ROWS
FI_ITEMS: list[tuple[int, Item | RowError]] = [
    (
        2,
        {
            "source_system": "apotti",
            "source_id": "A-1",
            "pilot_id": "pilotti-1",
            "personal_identity_code": HETU,
            "gender": "female",
            "home_region": "09",  # Päijät-Häme
            "birth_date": "2010-05-04",
            "referred_on": "2024-02-01",
            "reason": "school_attendance",
        },
    ),
    (
        3,
        {
            "source_system": "apotti",
            "source_id": "A-2",
            "pilot_id": "pilotti-1",
            "personal_identity_code": "020304A903E",
            "gender": "male",
            "home_region": "13",  # Pohjois-Savo
            "referred_on": "2024-01-15",
            "reason": "family_situation",
        },
    ),
]

#: The least a file of each kind needs, with English headers and values already in API form.
BASE: dict[str, dict[str, str]] = {
    "referral": {
        "source_system": "apotti",
        "source_id": "A-1",
        "pilot_id": "p-1",
        "client_system": "apotti",
        "client_id": "C-1",
        "gender": "female",
        "home_region": "06",
    },
    "participation": {
        "source_system": "apotti",
        "source_id": "A-1",
        "pilot_id": "p-1",
        "client_system": "apotti",
        "client_id": "C-1",
        "activity_id": "act-1",
        "occurred_at": "2024-05-04T14:30:00",
        "attendance": "attended",
        "kind": "service",
    },
    "outcome": {
        "source_system": "apotti",
        "source_id": "A-1",
        "pilot_id": "p-1",
        "client_system": "apotti",
        "client_id": "C-1",
        "instrument": "instrument-1",
        "value": "3",
        "time_point": "baseline",
    },
}


def read(
    data: bytes | str,
    kind: files.Kind = "referral",
    fmt: files.Format = "csv",
    chunk_size: int = 1 << 16,
) -> list[tuple[int, Item | RowError]]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(read_items(io.BytesIO(raw), kind, fmt, chunk_size))


def csv_text(rows: list[dict[str, str]], delimiter: str = ";") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(rows[0].keys())
    writer.writerows(row.values() for row in rows)
    return out.getvalue()


def one_item(kind: files.Kind, column: str, cell: str) -> Item | RowError:
    """The item read from a one-row file of ``kind`` whose ``column`` holds ``cell``."""
    [(row, item)] = read(csv_text([{**BASE[kind], column: cell}]), kind)
    assert row == 2
    return item


def row_errors(results: list[tuple[int, Item | RowError]]) -> list[RowError]:
    return [item for _, item in results if isinstance(item, RowError)]


# --- Encodings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_utf8_with_bom_without_bom_and_cp1252_give_the_same_items(encoding: str) -> None:
    assert read(FI_FILE.encode(encoding)) == FI_ITEMS


def test_cp1252_file_has_the_single_byte_letters() -> None:
    # Guards the test above: the cp1252 bytes really are 0xE4/0xF6, not UTF-8 sequences.
    data = FI_FILE.encode("cp1252")
    assert b"L\xe4hdej\xe4rjestelm\xe4" in data and b"\xc3" not in data
    assert read(data) == FI_ITEMS


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 4, 5, 7, 64])
def test_characters_and_line_ends_cut_at_any_chunk_boundary_decode_the_same(
    encoding: str, chunk_size: int
) -> None:
    data = FI_FILE.replace("\n", "\r\n").encode(encoding)
    assert read(data, chunk_size=chunk_size) == FI_ITEMS


def test_cp1252_is_recognised_when_the_first_chunk_is_plain_ascii() -> None:
    header = ";".join(BASE["referral"])
    ascii_rows = [f"apotti;A-{i};p-1;apotti;C-{i};female;06" for i in range(200)]
    data = "\n".join([header, *ascii_rows, "apotti;A-x;p-1;apotti;C-x;female;Päijät-Häme", ""])
    results = read(data.encode("cp1252"), chunk_size=256)
    assert row_errors(results) == []
    assert results[-1][1]["home_region"] == "09"  # type: ignore[index]


@pytest.mark.parametrize("chunk_size", [16, 1 << 16])
def test_invalid_utf8_in_one_row_of_a_utf8_file_spoils_that_row_only(chunk_size: int) -> None:
    header = ";".join(BASE["referral"])
    data = "\n".join(
        [
            header,
            "apotti;A-1;p-1;apotti;C-1;female;Päijät-Häme",  # proves the file is UTF-8
            "apotti;A-2;p-1;apotti;C-\udcff2;female;06",  # \xff: never valid in UTF-8
            "apotti;A-3;p-1;apotti;C-3;female;\N{REPLACEMENT CHARACTER}",  # a real U+FFFD is fine
            "",
        ]
    ).encode("utf-8", "surrogateescape")
    # With the default chunk size the bad byte is in the sample the encoding is chosen from.
    results = read(data, chunk_size=chunk_size)
    assert results[0] == (2, {**BASE["referral"], "home_region": "09"})
    assert results[1] == (3, RowError(3, None, "the row is not valid UTF-8"))
    assert results[2] == (
        4,
        {**BASE["referral"], "source_id": "A-3", "client_id": "C-3", "home_region": "\ufffd"},
    )


UTF16_BOMS = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}


def excel_unicode_text(text: str, encoding: str) -> bytes:
    """What Excel's "Unicode text" writes: UTF-16 with a byte order mark, tab-delimited, CRLF."""
    tabbed = text.replace(";", "\t").replace("\n", "\r\n")
    return UTF16_BOMS[encoding] + tabbed.encode(encoding, "surrogatepass")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 64, 1 << 16])
def test_excel_unicode_text_utf16_with_a_bom_and_tabs_gives_the_same_items(
    encoding: str, chunk_size: int
) -> None:
    data = excel_unicode_text(FI_FILE, encoding)
    assert data.startswith(UTF16_BOMS[encoding]) and "\t".encode(encoding) in data
    assert read(data, chunk_size=chunk_size) == FI_ITEMS


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_invalid_utf16_in_one_row_spoils_that_row_only(encoding: str) -> None:
    header = ";".join(BASE["referral"])
    text = "\n".join(
        [
            header,
            "apotti;A-1;p-1;apotti;C-1;female;Päijät-Häme",
            "apotti;A-2;p-1;apotti;C-\ud8002;female;06",  # a lone surrogate: not valid UTF-16
            "apotti;A-3;p-1;apotti;C-3;female;\U0001f600",  # a surrogate pair is fine
            "",
        ]
    )
    assert read(excel_unicode_text(text, encoding), chunk_size=5) == [
        (2, {**BASE["referral"], "home_region": "09"}),
        (3, RowError(3, None, "the row is not valid UTF-16")),
        (4, {**BASE["referral"], "source_id": "A-3", "client_id": "C-3", "home_region": "😀"}),
    ]


def test_a_utf16_file_cut_in_the_middle_of_a_character_reports_its_last_row() -> None:
    header = ";".join(BASE["referral"])
    data = excel_unicode_text(f"{header}\napotti;A-1;p-1;apotti;C-1;female;06", "utf-16-le")
    assert read(data[:-1]) == [(2, RowError(2, None, "the row is not valid UTF-16"))]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_utf16_without_a_bom_is_refused_as_a_whole_naming_the_encoding(
    encoding: str, fmt: files.Format
) -> None:
    text = FI_FILE if fmt == "csv" else json.dumps(BASE["referral"]) + "\n"
    with pytest.raises(FileFormatError, match="UTF-16 without a byte order mark") as caught:
        read(text.encode(encoding), fmt=fmt, chunk_size=3)
    assert HETU not in str(caught.value)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_ndjson_in_utf16_even_with_a_bom_is_refused_naming_the_encoding(encoding: str) -> None:
    data = UTF16_BOMS[encoding] + (json.dumps(BASE["referral"]) + "\n").encode(encoding)
    with pytest.raises(FileFormatError, match=r"UTF-16.*must be UTF-8"):
        read(data, fmt="ndjson")


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_utf32_is_refused_naming_the_encoding(fmt: files.Format) -> None:
    with pytest.raises(FileFormatError, match="UTF-32"):
        read(FI_FILE.encode("utf-32"), fmt=fmt)


def test_a_few_nul_bytes_in_a_utf8_file_spoil_no_more_than_their_row() -> None:
    header = ";".join(BASE["referral"])
    data = (
        f"{header}\napotti;A-1;p-1;apotti;C-1;female;06\napotti;A-2\x00;p-1;apotti;C-2;female;06\n"
    )
    results = read(data)
    assert results[0] == (2, BASE["referral"])
    assert results[1][0] == 3  # NUL is a character the schema refuses in an identifier


# --- Delimiters, headers -------------------------------------------------------------------------


def test_semicolon_and_comma_delimiters_give_the_same_items() -> None:
    rows = [BASE["referral"], {**BASE["referral"], "source_id": "A-2", "home_region": "a;b,c"}]
    semicolon, comma = csv_text(rows, ";"), csv_text(rows, ",")
    assert '"a;b,c"' in semicolon and '"a;b,c"' in comma
    assert read(semicolon) == read(comma) == [(2, rows[0]), (3, rows[1])]


def test_tab_delimited_file_gives_the_same_items() -> None:
    rows = [BASE["referral"], {**BASE["referral"], "source_id": "A-2", "home_region": "a;b,c"}]
    assert read(csv_text(rows, "\t")) == [(2, rows[0]), (3, rows[1])]


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("a;b;c", ";"),
        ("a,b,c", ","),
        ("a\tb\tc", "\t"),
        ("a;b\tc", ";"),  # a tie: ';' (Finnish Excel)
        ("a,b\tc", ","),  # a tab only when it is the clear choice
        ("a;b,c", ";"),
        ("a\tb\tc;d", "\t"),
        ("a\tb;c;d", ";"),
        ('"a\tb\tc";d', ";"),  # inside quotes nothing counts
        ("abc", ";"),
    ],
)
def test_the_delimiter_is_the_most_frequent_of_semicolon_comma_and_tab(
    header: str, delimiter: str
) -> None:
    assert files._sniff_delimiter(header) == delimiter


def test_delimiter_is_sniffed_outside_quotes() -> None:
    # The header has more commas inside quotes than semicolons, but ; separates the columns.
    data = '"source_system";"source_id";pilot_id;hetu;gender;"home,region,,,,,"\n'
    with pytest.raises(FileFormatError, match="column 6"):
        read(data)


@pytest.mark.parametrize(
    "header",
    [
        "lähdejärjestelmä;lähdetunniste;pilotti;henkilötunnus;sukupuoli;kotialue",
        "lahdejarjestelma;lahdetunniste;pilotin tunniste;hetu;sukupuoli;hyvinvointialue",
        "LÄHDEJÄRJESTELMÄ ; Lähdetunniste ;PILOTIN-TUNNISTE;Henkilotunnus;SUKUPUOLI;Kotialue",
        "source_system;source_id;pilot_id;personal_identity_code;gender;home_region",
        " Source System;SOURCE-ID;pilot id;Personal Identity Code;Gender ;home__region",
    ],
)
def test_finnish_headers_with_or_without_scandinavian_letters_and_english_headers_map_alike(
    header: str,
) -> None:
    assert read(f"{header}\napotti;A-1;p-1;{HETU};female;06\n") == [
        (
            2,
            {
                "source_system": "apotti",
                "source_id": "A-1",
                "pilot_id": "p-1",
                "personal_identity_code": HETU,
                "gender": "female",
                "home_region": "06",
            },
        )
    ]


def test_every_finnish_column_name_of_the_brief_is_known() -> None:
    per_kind: dict[files.Kind, str] = {
        "referral": "lähdejärjestelmä;lähdetunniste;pilotti;asiakasjärjestelmä;asiakasnumero;"
        "syntymäaika;syntymäkuukausi;sukupuoli;kotialue;lähettävä_organisaatio;syy;lähetyspäivä",
        "participation": "lähdejärjestelmä;lähdetunniste;pilotti;asiakasjärjestelmä;"
        "asiakastunniste;toiminta;ajankohta;kesto_minuutteina;läsnäolo;osallistumisen_laji",
        "outcome": "lähdejärjestelmä;lähdetunniste;pilotti;hetu;mittari;arvo;mittausajankohta;"
        "mittauspäivä",
    }
    alternatives: dict[files.Kind, str] = {
        "referral": "lahdejarjestelma;lahdetunniste;pilotti;hetu;sukupuoli;hyvinvointialue;"
        "lähettäjän tyyppi;lähettämisen syy",
        "participation": "lahdejarjestelma;lahdetunniste;pilotti;hetu;toiminto;ajankohta;kesto_min;"
        "läsnäolo;laji",
    }
    for kind, header in [*per_kind.items(), *alternatives.items()]:
        columns = header.split(";")
        cells = ";".join(f"v{i}" for i in range(len(columns)))
        [(_, item)] = read(f"{header}\n{cells}\n", kind)
        assert isinstance(item, dict) and len(item) == len(columns), kind


def test_a_swedish_header_maps_like_a_finnish_one() -> None:
    header = "Källsystem;Källid;Pilot;Personbeteckning;Kön;Välfärdsområde"
    assert read(f"{header}\napotti;A-1;p-1;{HETU};kvinna;8\n") == [
        (
            2,
            {
                "source_system": "apotti",
                "source_id": "A-1",
                "pilot_id": "p-1",
                "personal_identity_code": HETU,
                "gender": "female",
                "home_region": "08",
            },
        )
    ]


def test_no_column_name_means_two_fields() -> None:
    names = [*files._FINNISH_COLUMNS, *files._SWEDISH_COLUMNS, *files._ALL_FIELDS]
    assert len({files._fold(name) for name in names}) == len(names)


# --- Values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "column", "cell", "expected"),
    [
        ("referral", "gender", "Nainen", "female"),
        ("referral", "gender", "MIES", "male"),
        ("referral", "gender", "muu", "non_binary"),
        ("referral", "gender", "ei-binäärinen", "non_binary"),
        ("referral", "gender", "Ei binäärinen", "non_binary"),
        ("referral", "gender", "ei binaarinen", "non_binary"),
        ("referral", "gender", "ei tiedossa", "unknown"),
        ("referral", "gender", "tuntematon", "unknown"),
        ("referral", "gender", "female", "female"),
        ("referral", "gender", "Female", "Female"),  # English passes unchanged; the schema judges
        ("referral", "gender", "jotain", "jotain"),
        ("participation", "attendance", "osallistui", "attended"),
        ("participation", "attendance", "Läsnä", "attended"),
        ("participation", "attendance", "lasna", "attended"),
        ("participation", "attendance", "poissa", "absent"),
        ("participation", "attendance", "peruttu", "cancelled"),
        ("participation", "attendance", "cancelled", "cancelled"),
        ("outcome", "time_point", "alku", "baseline"),
        ("outcome", "time_point", "lähtötilanne", "baseline"),
        ("outcome", "time_point", "väli", "interim"),
        ("outcome", "time_point", "Välimittaus", "interim"),
        ("outcome", "time_point", "seuranta", "follow_up"),
        ("outcome", "time_point", "follow_up", "follow_up"),
    ],
)
def test_finnish_value_words_map_to_api_values_and_others_pass_unchanged(
    kind: files.Kind, column: str, cell: str, expected: str
) -> None:
    assert one_item(kind, column, cell) == {**BASE[kind], column: expected}


@pytest.mark.parametrize(
    ("kind", "column", "cell", "expected"),
    [
        ("referral", "birth_date", "4.5.2010", "2010-05-04"),
        ("referral", "birth_date", "04.05.2010", "2010-05-04"),
        ("referral", "birth_date", "2010-05-04", "2010-05-04"),
        ("referral", "birth_date", "4/5/2010", "4/5/2010"),  # not Finnish: left to the schema
        ("referral", "referred_on", "31.12.2023", "2023-12-31"),
        ("outcome", "measured_on", "1.2.2024", "2024-02-01"),
        ("referral", "birth_year_month", "5/2010", "2010-05"),
        ("referral", "birth_year_month", "05.2010", "2010-05"),
        ("referral", "birth_year_month", "2010-05", "2010-05"),
        ("participation", "occurred_at", "4.5.2024 9:05", "2024-05-04T09:05:00"),
        ("participation", "occurred_at", "04.05.2024 14:30:15", "2024-05-04T14:30:15"),
        ("participation", "occurred_at", "4.5.2024 14.30", "2024-05-04T14:30:00"),
        ("participation", "occurred_at", "2024-05-04T14:30:00", "2024-05-04T14:30:00"),
        ("participation", "occurred_at", "huomenna", "huomenna"),
        ("outcome", "value", "2,5", "2.5"),
        ("outcome", "value", "-0,25", "-0.25"),
        ("outcome", "value", "2.5", "2.5"),
        ("outcome", "value", "1,2,3", "1,2,3"),
        ("participation", "duration_minutes", "45", "45"),
        ("participation", "duration_minutes", "45,5", "45.5"),
        ("referral", "home_region", "06", "06"),  # codes keep their leading zero
    ],
)
def test_finnish_dates_and_decimal_commas_become_iso_and_others_pass_unchanged(
    kind: files.Kind, column: str, cell: str, expected: str
) -> None:
    assert one_item(kind, column, cell) == {**BASE[kind], column: expected}


# --- Value words in Finnish and Swedish ---------------------------------------------------------

#: Every coded column, the kind of file it is in, and its values.
CODED_COLUMNS: dict[str, tuple[files.Kind, tuple[str, ...]]] = {
    "gender": ("referral", vocabulary.GENDERS),
    "home_region": ("referral", tuple(sorted(region_codes()))),
    "referring_organisation_type": ("referral", vocabulary.REFERRING_ORGANISATION_TYPES),
    "reason": ("referral", vocabulary.REFERRAL_REASONS),
    "attendance": ("participation", vocabulary.ATTENDANCE),
    "kind": ("participation", vocabulary.PARTICIPATION_KINDS),
    "time_point": ("outcome", vocabulary.TIME_POINTS),
}


@pytest.mark.parametrize(
    ("column", "cell", "expected"),
    [
        ("kind", "kulttuuri", "culture"),
        ("kind", "Liikunta", "sports"),
        ("kind", "ohjattu vapaa-aika", "guided_leisure"),
        ("kind", "Ohjattu_vapaa_aika", "guided_leisure"),
        ("kind", "yhteiskehittäminen", "co_development"),
        ("kind", "kokemusasiantuntijuus", "co_development"),
        ("kind", "kuulluksi tuleminen", "being_heard"),
        ("kind", "idrott", "sports"),
        ("kind", "motion", "sports"),
        ("kind", "att bli hörd", "being_heard"),
        ("reason", "perhetilanne", "family_situation"),
        ("reason", "päihteiden käyttö", "substance_use"),
        ("reason", "Psykisk hälsa", "mental_health"),
        ("reason", "rikollisuus", "crime_or_risk_of_crime"),
        ("reason", "muu", "other"),
        ("reason", "annan", "other"),
        ("referring_organisation_type", "lastensuojelu", "child_welfare"),
        ("referring_organisation_type", "Hälso- och sjukvård", "health_care"),
        ("referring_organisation_type", "koulukoti", "state_reform_school"),
        ("referring_organisation_type", "järjestö", "ngo"),
        ("gender", "kvinna", "female"),
        ("gender", "icke-binär", "non_binary"),
        ("gender", "okänd", "unknown"),
        ("gender", "muu", "non_binary"),  # the same word is another value in another column
        ("attendance", "deltog", "attended"),
        ("attendance", "inställd", "cancelled"),
        ("time_point", "uppföljning", "follow_up"),
        ("home_region", "8", "08"),  # Excel dropped the leading zero
        ("home_region", " 8 ", "08"),
        ("home_region", "08", "08"),
        ("home_region", "90", "90"),
        ("home_region", "0", "0"),  # not a code: left to the schema
        ("home_region", "Pirkanmaa", "08"),
        ("home_region", "Birkaland", "08"),
        ("home_region", "Pirkanmaan hyvinvointialue", "08"),
        ("home_region", "PIRKANMAAN HYVINVOINTIALUE", "08"),
        ("home_region", "Birkalands välfärdsområde", "08"),
        ("home_region", "Helsinki", "90"),
        ("home_region", "Helsingfors stad", "90"),
        ("home_region", "Åland", "91"),
        ("home_region", "Ahvenanmaa", "91"),
        ("home_region", "Atlantis", "Atlantis"),
        ("kind", "service", "service"),  # API values pass unchanged
        ("kind", "jotain", "jotain"),
    ],
)
def test_finnish_and_swedish_words_of_every_coded_column_map_to_api_values(
    column: str, cell: str, expected: str
) -> None:
    kind = CODED_COLUMNS[column][0]
    assert one_item(kind, column, cell) == {**BASE[kind], column: expected}


def test_every_value_of_every_coded_column_has_a_finnish_and_a_swedish_word() -> None:
    assert set(files.VALUE_WORDS) == set(CODED_COLUMNS)
    for column, (_, values) in CODED_COLUMNS.items():
        words = files.VALUE_WORDS[column]
        assert sorted(words) == sorted(values), column
        for value, (finnish, swedish) in words.items():
            assert finnish and swedish, f"{column} {value}"


def test_no_word_means_two_values_in_one_column() -> None:
    for column, words in files.VALUE_WORDS.items():
        meaning: dict[str, str] = {}
        for value, (finnish, swedish) in words.items():
            for word in (*finnish, *swedish):
                assert meaning.setdefault(files._fold(word), value) == value, (column, word)
            assert meaning.setdefault(value, value) == value, (column, value)


_EVERY_WORD = [
    (column, word, value)
    for column, words in files.VALUE_WORDS.items()
    for value, (finnish, swedish) in words.items()
    for word in (*finnish, *swedish)
]


@pytest.mark.parametrize(("column", "word", "value"), _EVERY_WORD)
def test_each_word_of_the_tables_maps_to_its_value_in_any_case(
    column: str, word: str, value: str
) -> None:
    kind = CODED_COLUMNS[column][0]
    for cell in (word, word.upper(), word.translate(str.maketrans("äöåÄÖÅ", "aoaAOA"))):
        assert one_item(kind, column, cell) == {**BASE[kind], column: value}


def test_the_readme_lists_every_word_of_the_tables() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    missing = [(column, word) for column, word, _ in _EVERY_WORD if f"`{word}`" not in readme]
    assert missing == []


FI_EXPORTS: dict[files.Kind, str] = {
    "referral": "Lähdejärjestelmä;Lähdetunniste;Pilotti;Asiakasjärjestelmä;Asiakasnumero;"
    "Syntymäkuukausi;Sukupuoli;Hyvinvointialue;Lähettävä organisaatio;Lähettämisen syy;"
    "Lähetyspäivä\n"
    "apotti;L-1;pilotti-1;apotti;C-1;5.2010;Nainen;8;Lastensuojelu;Perhetilanne;1.10.2026\n"
    "apotti;L-2;pilotti-1;apotti;C-2;6.2009;Mies;Pirkanmaa;Koulu;Koulunkäynti;2.10.2026\n"
    "apotti;L-3;pilotti-1;apotti;C-3;7.2011;Muu;Pirkanmaan hyvinvointialue;Itse;"
    "Päihteiden käyttö;3.10.2026\n",
    "participation": "Lähdejärjestelmä;Lähdetunniste;Pilotti;Asiakasjärjestelmä;Asiakasnumero;"
    "Toiminto;Ajankohta;Kesto min;Läsnäolo;Osallistumisen laji\n"
    "apotti;O-1;pilotti-1;apotti;C-1;act-1;1.10.2026 16.30;90;Osallistui;Kulttuuri\n"
    "apotti;O-2;pilotti-1;apotti;C-1;act-2;2.10.2026 16:30;60;Poissa;Liikunta\n"
    "apotti;O-3;pilotti-1;apotti;C-2;act-3;3.10.2026 9:00;45;Peruttu;Ohjattu vapaa-aika\n",
    "outcome": "Lähdejärjestelmä;Lähdetunniste;Pilotti;Asiakasjärjestelmä;Asiakasnumero;"
    "Mittari;Arvo;Mittausajankohta;Mittauspäivä\n"
    "apotti;M-1;pilotti-1;apotti;C-1;WEMWBS;42;Lähtötilanne;1.10.2026\n"
    "apotti;M-2;pilotti-1;apotti;C-1;WEMWBS;45,5;Seuranta;2.11.2026\n",
}
SV_EXPORTS: dict[files.Kind, str] = {
    "referral": "Källsystem;Källid;Pilot;Klientsystem;Klientnummer;Födelsemånad;Kön;"
    "Välfärdsområde;Remitterande organisation;Remissorsak;Remissdatum\n"
    "apotti;L-1;pilotti-1;apotti;C-1;5.2010;Kvinna;8;Barnskydd;Familjesituation;1.10.2026\n"
    "apotti;L-2;pilotti-1;apotti;C-2;6.2009;Man;Birkaland;Skola;Skolgång;2.10.2026\n"
    "apotti;L-3;pilotti-1;apotti;C-3;7.2011;Icke-binär;Birkalands välfärdsområde;Själv;"
    "Missbruk;3.10.2026\n",
    "participation": "Källsystem;Källid;Pilot;Klientsystem;Klientnummer;Aktivitet;Tidpunkt;"
    "Längd min;Närvaro;Deltagandeform\n"
    "apotti;O-1;pilotti-1;apotti;C-1;act-1;1.10.2026 16.30;90;Deltog;Kultur\n"
    "apotti;O-2;pilotti-1;apotti;C-1;act-2;2.10.2026 16:30;60;Frånvarande;Idrott\n"
    "apotti;O-3;pilotti-1;apotti;C-2;act-3;3.10.2026 9:00;45;Inställd;Handledd fritid\n",
    "outcome": "Källsystem;Källid;Pilot;Klientsystem;Klientnummer;Mätare;Värde;Mättidpunkt;"
    "Mätdatum\n"
    "apotti;M-1;pilotti-1;apotti;C-1;WEMWBS;42;Utgångsläge;1.10.2026\n"
    "apotti;M-2;pilotti-1;apotti;C-1;WEMWBS;45,5;Uppföljning;2.11.2026\n",
}
EXPORTED_ITEMS: dict[files.Kind, list[dict[str, str]]] = {
    "referral": [
        {
            "birth_year_month": "2010-05",
            "gender": "female",
            "home_region": "08",
            "referring_organisation_type": "child_welfare",
            "reason": "family_situation",
            "referred_on": "2026-10-01",
        },
        {
            "birth_year_month": "2009-06",
            "gender": "male",
            "home_region": "08",
            "referring_organisation_type": "school",
            "reason": "school_attendance",
            "referred_on": "2026-10-02",
        },
        {
            "birth_year_month": "2011-07",
            "gender": "non_binary",
            "home_region": "08",
            "referring_organisation_type": "self",
            "reason": "substance_use",
            "referred_on": "2026-10-03",
        },
    ],
    "participation": [
        {
            "activity_id": "act-1",
            "occurred_at": "2026-10-01T16:30:00",
            "duration_minutes": "90",
            "attendance": "attended",
            "kind": "culture",
        },
        {
            "activity_id": "act-2",
            "occurred_at": "2026-10-02T16:30:00",
            "duration_minutes": "60",
            "attendance": "absent",
            "kind": "sports",
        },
        {
            "activity_id": "act-3",
            "occurred_at": "2026-10-03T09:00:00",
            "duration_minutes": "45",
            "attendance": "cancelled",
            "kind": "guided_leisure",
        },
    ],
    "outcome": [
        {
            "instrument": "WEMWBS",
            "value": "42",
            "time_point": "baseline",
            "measured_on": "2026-10-01",
        },
        {
            "instrument": "WEMWBS",
            "value": "45.5",
            "time_point": "follow_up",
            "measured_on": "2026-11-02",
        },
    ],
}


@pytest.mark.parametrize("exports", [FI_EXPORTS, SV_EXPORTS], ids=["finnish", "swedish"])
@pytest.mark.parametrize("kind", ["referral", "participation", "outcome"])
def test_a_finnish_or_swedish_export_reads_into_api_values(
    exports: dict[files.Kind, str], kind: files.Kind
) -> None:
    results = read(exports[kind], kind)
    assert row_errors(results) == []
    common = ("source_system", "source_id", "pilot_id", "client_system", "client_id")
    assert [{k: v for k, v in item.items() if k not in common} for _, item in results] == (  # type: ignore[union-attr]
        EXPORTED_ITEMS[kind]
    )


def test_cells_are_stripped_and_empty_cells_are_absent_fields() -> None:
    data = "source_system;source_id;pilot_id;hetu;gender;home_region;reason\n"
    data += f"  apotti ;\tA-1;p-1; {HETU} ;female;06;   \n"
    assert read(data) == [
        (
            2,
            {
                "source_system": "apotti",
                "source_id": "A-1",
                "pilot_id": "p-1",
                "personal_identity_code": HETU,
                "gender": "female",
                "home_region": "06",
            },
        )
    ]


# --- Rows ----------------------------------------------------------------------------------------


def test_quoted_cell_with_delimiter_and_doubled_quote_on_its_line_is_one_cell() -> None:
    header = ";".join(BASE["referral"])
    data = (
        f"{header}\n"
        'apotti;"A-1 rivi 2; ""lainattu""";p-1;apotti;C-1;female;06\n'
        "apotti;A-2;p-1;apotti;C-2;female;06\n"
    )
    results = read(data)
    assert results[0] == (2, {**BASE["referral"], "source_id": 'A-1 rivi 2; "lainattu"'})
    assert results[1][0] == 3


# --- One record, one line ------------------------------------------------------------------------

NOT_CLOSED = "a quoted cell is not closed on its line"
REFERRAL_HEADER = ";".join([*BASE["referral"], "reason"])


def referral_line(i: int, reason: str = "other") -> str:
    return f"apotti;A-{i};p-1;apotti;C-{i};female;06;{reason}\n"


def referral_item(i: int) -> Item:
    return {**BASE["referral"], "source_id": f"A-{i}", "client_id": f"C-{i}", "reason": "other"}


@pytest.mark.parametrize("broken", [2, 3, 500, 1001])
@pytest.mark.parametrize("chunk_size", [7, 1 << 16])
def test_a_stray_quote_spoils_its_own_line_and_every_other_line_is_read(
    broken: int, chunk_size: int
) -> None:
    """A 1,000-row file with ``"other`` in one row: that row is reported, the other 999 come
    through, and every data line has a result (the header is line 1)."""
    lines = [REFERRAL_HEADER + "\n"]
    lines += [referral_line(i, '"other' if i == broken else "other") for i in range(2, 1002)]
    results = read("".join(lines), chunk_size=chunk_size)
    assert [row for row, _ in results] == list(range(2, 1002))
    assert row_errors(results) == [RowError(broken, None, NOT_CLOSED)]
    assert results[broken - 2] == (broken, RowError(broken, None, NOT_CLOSED))
    assert [item for row, item in results if row != broken] == [
        referral_item(i) for i in range(2, 1002) if i != broken
    ]


@pytest.mark.parametrize("ending", ["", "\n", "\r\n", "\r"])
def test_an_unclosed_quote_on_the_last_line_is_reported_with_or_without_a_line_end(
    ending: str,
) -> None:
    data = f'{REFERRAL_HEADER}\n{referral_line(2)}apotti;A-3;p-1;apotti;C-3;female;06;"oth{ending}'
    assert read(data) == [(2, referral_item(2)), (3, RowError(3, None, NOT_CLOSED))]


def test_a_line_break_inside_quotes_ends_the_row_and_the_next_line_is_a_row_of_its_own() -> None:
    """No field of these tables can hold a line break, so a quoted one is a broken quote, not a
    cell spanning two lines: its line is reported and the next line is read as a row."""
    data = (
        f"{REFERRAL_HEADER}\n"
        'apotti;"A-1\nrivi 2";p-1;apotti;C-1;female;06;other\n'
        f"{referral_line(4)}"
    )
    results = read(data)
    assert [row for row, _ in results] == [2, 3, 4]
    assert results[0] == (2, RowError(2, None, NOT_CLOSED))
    assert results[1] == (
        3,
        {
            "source_system": 'rivi 2"',
            "source_id": "p-1",
            "pilot_id": "apotti",
            "client_system": "C-1",
            "client_id": "female",
            "gender": "06",
            "home_region": "other",
        },
    )  # nonsense that the schema refuses, but a row accounted for by its own line number
    assert results[2] == (4, referral_item(4))


def test_a_long_unclosed_quoted_cell_no_longer_swallows_the_lines_after_it() -> None:
    """A quote opened before 100,000 characters and never closed used to take the following
    lines into its cell until the csv field limit, and the rows after that came out misread."""
    lines = [REFERRAL_HEADER + "\n", referral_line(2)]
    lines.append(f'apotti;A-3;p-1;apotti;C-3;female;06;"{"x" * 100_000}\n')
    lines += [referral_line(i) for i in range(4, 1002)]
    results = read("".join(lines))
    assert [row for row, _ in results] == list(range(2, 1002))
    assert row_errors(results) == [RowError(3, None, NOT_CLOSED)]


@pytest.mark.parametrize("closed", [True, False])
def test_a_cell_over_the_csv_field_limit_on_one_line_spoils_that_line_only(closed: bool) -> None:
    long_cell = f'"{"x" * 200_000}' + ('"' if closed else "")
    data = (
        f"{REFERRAL_HEADER}\n{referral_line(2)}"
        f"apotti;{long_cell};p-1;apotti;C-3;female;06;other\n{referral_line(4)}"
    )
    assert read(data) == [
        (2, referral_item(2)),
        (3, RowError(3, None, "the row cannot be read as CSV")),
        (4, referral_item(4)),
    ]


def test_an_unclosed_quote_in_the_header_is_a_file_error() -> None:
    with pytest.raises(FileFormatError, match="header row cannot be read"):
        read(f'source_system;"source_id\n{referral_line(2)}')


def test_row_numbers_are_physical_line_numbers_blank_lines_included() -> None:
    data = f"\n{REFERRAL_HEADER}\n\n{referral_line(4)};;;;;;;\n   \n{referral_line(7)}"
    assert read(data) == [(4, referral_item(4)), (7, referral_item(7))]


def test_row_with_too_many_cells_is_reported_by_number_and_later_rows_still_come_through() -> None:
    header = ";".join(BASE["referral"])
    data = (
        f"{header}\n"
        "apotti;A-1;p-1;apotti;C-1;female;06\n"
        f"apotti;A-2;p-1;apotti;C-2;female;06;{HETU}\n"
        "apotti;A-3;p-1;apotti;C-3;female;06\n"
    )
    results = read(data)
    assert [row for row, _ in results] == [2, 3, 4]
    assert results[1] == (3, RowError(3, None, "the row has 8 cells, the header has 7"))
    assert results[2] == (4, {**BASE["referral"], "source_id": "A-3", "client_id": "C-3"})


def test_short_row_counts_its_missing_trailing_cells_as_empty() -> None:
    data = "source_system;source_id;pilot_id;hetu;gender;home_region;reason;referred_on\n"
    data += f"apotti;A-1;p-1;{HETU};female;06\n"
    assert read(data) == [
        (
            2,
            {
                "source_system": "apotti",
                "source_id": "A-1",
                "pilot_id": "p-1",
                "personal_identity_code": HETU,
                "gender": "female",
                "home_region": "06",
            },
        )
    ]


def test_empty_lines_and_rows_of_empty_cells_are_skipped_but_keep_their_row_numbers() -> None:
    header = ";".join(BASE["referral"])
    data = f"\n{header}\n\n;;;;;;\napotti;A-1;p-1;apotti;C-1;female;06\n  \n"
    assert read(data) == [(5, BASE["referral"])]


def test_unnamed_trailing_columns_are_allowed_while_their_cells_stay_empty() -> None:
    header = ";".join(BASE["referral"])
    data = (
        f"{header};;\n"
        "apotti;A-1;p-1;apotti;C-1;female;06;;\n"
        f"apotti;A-2;p-1;apotti;C-2;female;06;;{HETU}\n"
    )
    results = read(data)
    assert results[0] == (2, BASE["referral"])
    assert results[1] == (3, RowError(3, None, "a column without a name has a value"))


def test_lone_carriage_returns_end_rows_like_old_mac_exports() -> None:
    data = csv_text([BASE["referral"], {**BASE["referral"], "source_id": "A-2"}])
    results = read(data.replace("\r\n", "\r"))
    assert [row for row, _ in results] == [2, 3]
    assert row_errors(results) == []


@pytest.mark.parametrize("chunk_size", [3, 1 << 16])
def test_form_feed_and_unicode_line_separators_stay_inside_their_cell(chunk_size: int) -> None:
    row = {**BASE["referral"], "home_region": "a\x0cb", "reason": "c\u2028d"}
    rows = [row, {**row, "source_id": "A-2"}]
    results = read(csv_text(rows), chunk_size=chunk_size)
    assert results == [(2, rows[0]), (3, rows[1])]


def test_a_field_over_the_csv_size_limit_spoils_its_row_only() -> None:
    header = ";".join(BASE["referral"])
    data = f'{header}\napotti;"{"x" * 200_000}\napotti;A-2;p-1;apotti;C-2;female;06\n'
    results = read(data)
    assert results[0] == (2, RowError(2, None, "the row cannot be read as CSV"))
    assert results[1] == (3, {**BASE["referral"], "source_id": "A-2", "client_id": "C-2"})


def test_an_overlong_line_stops_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_LINE_CHARS", 100)
    header = ";".join(BASE["referral"])
    results = read_items(io.BytesIO(f"{header}\n{'x;' * 100}\n".encode()), "referral", "csv", 16)
    with pytest.raises(FileFormatError, match="longer than 100 characters"):
        list(results)


# --- Whole-file errors ---------------------------------------------------------------------------


def test_unknown_column_is_named_in_the_error() -> None:
    header = ";".join([*BASE["referral"], "Lempinimi"])
    with pytest.raises(FileFormatError, match=r"'Lempinimi' \(column 8\)"):
        read(f"{header}\napotti;A-1;p-1;apotti;C-1;female;06;Pikku-{HETU}\n")


def test_column_of_another_kind_is_unknown() -> None:
    header = ";".join([*BASE["referral"], "activity_id"])
    with pytest.raises(FileFormatError, match="Unknown columns for a referral file: 'activity_id'"):
        read(f"{header}\n")


def test_data_row_in_place_of_the_header_is_not_echoed() -> None:
    data = f"apotti;A-1;p-1;{HETU};Virtanen Matti;06\n"
    with pytest.raises(FileFormatError, match="not a header") as caught:
        read(data)
    for cell in ("A-1", HETU, "Virtanen"):
        assert cell not in str(caught.value)


def test_unknown_column_that_looks_like_data_is_given_by_position_only() -> None:
    header = ";".join([*BASE["referral"], HETU])
    with pytest.raises(
        FileFormatError, match=r"Unknown columns for a referral file: column 8\.$"
    ) as caught:
        read(f"{header}\n")
    assert HETU not in str(caught.value)


def test_duplicate_column_is_an_error_even_under_another_name() -> None:
    header = ";".join([*BASE["referral"], "asiakasnumero"])
    with pytest.raises(FileFormatError, match=r"client_id \(columns 5, 8\)") as caught:
        read(f"{header}\napotti;A-1;p-1;apotti;C-1;female;06;C-{HETU}\n")
    assert HETU not in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "drop", "missing"),
    [
        ("referral", ["gender"], "gender"),
        ("referral", ["source_system", "home_region"], "source_system, home_region"),
        ("participation", ["attendance"], "attendance"),
        ("outcome", ["value"], "value"),
        ("outcome", ["client_system"], "client_system"),
        ("outcome", ["client_id"], "client_id"),
        ("outcome", ["client_system", "client_id"], "personal_identity_code"),
    ],
)
def test_missing_required_column_is_named_without_any_cell_value(
    kind: files.Kind, drop: list[str], missing: str
) -> None:
    row = {key: value for key, value in BASE[kind].items() if key not in drop}
    row["source_id"] = HETU  # a value in the file that must not come back
    with pytest.raises(FileFormatError, match=f"Required columns are missing: {missing}") as caught:
        read(csv_text([row]), kind)
    assert HETU not in str(caught.value)


@pytest.mark.parametrize("data", [b"", b"\n\r\n  \n", b"\xef\xbb\xbf", b'""\n'])
def test_empty_file_is_a_file_error(data: bytes) -> None:
    with pytest.raises(FileFormatError, match="empty"):
        read(data)


def test_header_beyond_the_csv_field_limit_is_a_file_error() -> None:
    with pytest.raises(FileFormatError, match="header row cannot be read"):
        read(f'source_system;"{"x" * 200_000}"\n')


def test_file_errors_are_raised_by_the_call_before_any_row_is_read() -> None:
    with pytest.raises(FileFormatError):
        read_items(io.BytesIO(b"nothing;known\n1;2\n"), "referral", "csv")
    with pytest.raises(FileFormatError):
        read_items(io.BytesIO(b"\n\n"), "referral", "ndjson")


def test_unknown_kind_format_or_chunk_size_is_a_programming_error() -> None:
    stream = io.BytesIO(b"")
    with pytest.raises(ValueError, match="kind"):
        read_items(stream, "case", "csv")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format"):
        read_items(stream, "referral", "xlsx")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chunk_size"):
        read_items(stream, "referral", "csv", 0)


# --- NDJSON --------------------------------------------------------------------------------------


def test_ndjson_keeps_json_types_skips_blank_lines_and_reports_broken_ones_by_line() -> None:
    lines = [
        json.dumps({"source_id": "A-1", "value": 2.5, "duration_minutes": 45, "x": None}),
        "",
        "   ",
        '{"source_id": "A-2", ',
        '["A-3"]',
        '"A-4"',
        "42",
        '{"value": NaN}',
        json.dumps({"source_id": "A-5", "flag": True, "unknown_key": "kept"}),
    ]
    data = "\r\n".join(lines) + "\r\n"
    assert read(data, "outcome", "ndjson", chunk_size=7) == [
        (1, {"source_id": "A-1", "value": 2.5, "duration_minutes": 45, "x": None}),
        (4, RowError(4, None, "not a JSON object")),
        (5, RowError(5, None, "not a JSON object")),
        (6, RowError(6, None, "not a JSON object")),
        (7, RowError(7, None, "not a JSON object")),
        (8, RowError(8, None, "not a JSON object")),
        (9, {"source_id": "A-5", "flag": True, "unknown_key": "kept"}),
    ]


def test_ndjson_invalid_utf8_spoils_its_line_only() -> None:
    data = b'\xef\xbb\xbf{"a": "\xc3\xa4"}\n{"a": "\xff"}\n{"a": "\xef\xbf\xbd"}'
    assert read(data, "outcome", "ndjson", chunk_size=3) == [
        (1, {"a": "ä"}),
        (2, RowError(2, None, "the row is not valid UTF-8")),
        (3, {"a": "\ufffd"}),
    ]


def test_ndjson_overlong_line_is_reported_and_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_LINE_CHARS", 50)
    data = '{"a": 1}\n{"a": "' + "x" * 200 + '"}\n{"a": 3}\n'
    assert read(data, "outcome", "ndjson", chunk_size=16) == [
        (1, {"a": 1}),
        (2, RowError(2, None, "the line is too long")),
        (3, {"a": 3}),
    ]


# --- Nothing echoed ------------------------------------------------------------------------------


def test_row_errors_never_contain_the_offending_cell_value() -> None:
    header = ";".join(BASE["referral"])
    csv_data = (
        f"{header};\n"
        "apotti;A-0;p-1;apotti;C-0;female;Päijät-Häme;\n"  # makes it a UTF-8 file
        f"apotti;A-1;p-1;apotti;{HETU};female;06;;{HETU}\n"  # too many cells
        f"apotti;A-2;p-1;apotti;C-2;female;06;{HETU}\n"  # value under an unnamed column
        f"apotti;A-3;p-1;apotti;{HETU}\udcff;female;06;\n"  # \xff: not UTF-8
        f'apotti;"{HETU}{"x" * 200_000}\n'  # beyond the csv field limit
        f'apotti;A-4;p-1;apotti;"{HETU};female;06;\n'  # a quote not closed on its line
        "apotti;A-9;p-1;apotti;C-9;female;06;\n"
    ).encode("utf-8", "surrogateescape")
    ndjson_data = f'{{"personal_identity_code": "{HETU}"\n["{HETU}"]\n"{HETU}"\n'.encode()
    ndjson_data += b'{"personal_identity_code": "' + HETU.encode() + b'\xff"}\n'
    errors = row_errors(read(csv_data)) + row_errors(read(ndjson_data, "referral", "ndjson"))
    assert [error.message for error in errors] == [
        "the row has 9 cells, the header has 8",
        "a column without a name has a value",
        "the row is not valid UTF-8",
        "the row cannot be read as CSV",
        "a quoted cell is not closed on its line",
        "not a JSON object",
        "not a JSON object",
        "not a JSON object",
        "the row is not valid UTF-8",
    ]
    for error in errors:
        assert HETU not in error.message and HETU not in repr(error)


# --- Streaming -----------------------------------------------------------------------------------


class GeneratedCsv(io.RawIOBase):
    """A participation CSV of ``rows`` rows made while it is read; never whole in memory."""

    def __init__(self, rows: int) -> None:
        super().__init__()
        self._lines = self._generate(rows)
        self._pending = bytearray()  # a bytearray grows in place; bytes += would copy every time
        self.exhausted = False

    @staticmethod
    def _generate(rows: int) -> Iterator[bytes]:
        header = "lähdejärjestelmä;lähdetunniste;pilotti;hetu;toiminto;ajankohta;läsnäolo;laji\n"
        yield header.encode()
        for i in range(rows):
            row = f"apotti;A-{i};p-1;{HETU};act-{i % 50};4.5.2024 14:30;osallistui;service\n"
            yield row.encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer) and not self.exhausted:
            line = next(self._lines, None)
            if line is None:
                self.exhausted = True
            else:
                self._pending += line
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        del self._pending[:size]
        return size


ROWS = 200_000


def test_first_items_arrive_before_the_stream_is_exhausted() -> None:
    with GeneratedCsv(ROWS) as stream:
        items = read_items(stream, "participation", "csv")  # type: ignore[arg-type]
        first = [next(items) for _ in range(3)]
        assert not stream.exhausted
    assert first[0] == (
        2,
        {
            "source_system": "apotti",
            "source_id": "A-0",
            "pilot_id": "p-1",
            "personal_identity_code": HETU,
            "activity_id": "act-0",
            "occurred_at": "2024-05-04T14:30:00",
            "attendance": "attended",
            "kind": "service",
        },
    )


def test_memory_stays_flat_while_reading_a_200000_row_file() -> None:
    tracemalloc.start()
    try:
        with GeneratedCsv(ROWS) as stream:
            count = last = 0
            for row, item in read_items(stream, "participation", "csv"):  # type: ignore[arg-type]
                assert isinstance(item, dict)
                count, last = count + 1, row
            assert stream.exhausted
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (count, last) == (ROWS, ROWS + 1)
    assert peak < 10 * 1024 * 1024, f"peak {peak} bytes"


# --- Property ------------------------------------------------------------------------------------

# Letters that cannot make Windows-1252 bytes look like UTF-8: none is a byte 0x80-0xBF in cp1252
# (a UTF-8 continuation byte), so cp1252 text with them never decodes as UTF-8. Telling the two
# apart by content is otherwise ambiguous by nature.
_ALPHABET = string.ascii_letters + string.digits + ' ;,"\t-.:/' + "äöåÄÖÅéü"
_cell = st.text(alphabet=_ALPHABET, max_size=12)
# Columns without value words: a random cell could otherwise be one (e.g. "muu").
_PLAIN_COLUMNS = (
    "source_system",
    "pilot_id",
    "client_system",
    "client_id",
    "personal_identity_code",
)


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(st.tuples(*[_cell] * len(_PLAIN_COLUMNS)), min_size=1, max_size=6),
    genders=st.lists(
        st.sampled_from(["female", "male", "non_binary", "unknown", ""]), min_size=6, max_size=6
    ),
    delimiter=st.sampled_from([";", ","]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    chunk_size=st.sampled_from([1, 2, 3, 5, 64, 1 << 16]),
)
def test_rows_written_by_csv_writer_read_back_as_the_same_items(
    cells: list[tuple[str, ...]],
    genders: list[str],
    delimiter: str,
    encoding: str,
    chunk_size: int,
) -> None:
    rows = [
        {
            "source_id": f"A-{i}",
            "gender": genders[i],
            "home_region": "06",
            **dict(zip(_PLAIN_COLUMNS, row, strict=True)),
        }
        for i, row in enumerate(cells)
    ]
    data = csv_text(rows, delimiter).encode(encoding)
    expected = [
        (i + 2, {key: value.strip() for key, value in row.items() if value.strip()})
        for i, row in enumerate(rows)
    ]
    assert read(data, chunk_size=chunk_size) == expected
