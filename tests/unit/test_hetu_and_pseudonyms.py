"""Henkilötunnus validation (every century sign, individual numbers, the mod-31 check character),
keyed pseudonyms, and age bands."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain.age import age_band, age_on
from services.intake.domain.hetu import (
    CENTURY_SIGNS,
    InvalidIdentityCode,
    format_identity_code,
    parse_identity_code,
)
from services.intake.domain.pseudonym import KeyConfigurationError, Pseudonymiser

KEY = b"k" * 32


def _sign_for(year: int) -> st.SearchStrategy[str]:
    return st.sampled_from([s for s, c in CENTURY_SIGNS.items() if c == year // 100 * 100])


@given(
    st.dates(date(1800, 1, 1), date(2099, 12, 31)).flatmap(
        lambda d: st.tuples(st.just(d), st.integers(2, 999), _sign_for(d.year))
    )
)
def test_every_valid_code_parses_back_to_its_birth_date_and_number(case) -> None:
    birth, number, sign = case
    code = parse_identity_code(format_identity_code(birth, number, sign))
    assert (code.birth_date, code.individual_number) == (birth, number)
    assert code.temporary == (number >= 900)


@pytest.mark.parametrize(
    ("code", "born"),
    [
        ("131052-308T", date(1952, 10, 13)),  # the example in the population register's guidance
        ("131052Y308T", date(1952, 10, 13)),  # the same with a 2023 century sign
        ("010594Y9032", date(1994, 5, 1)),
        ("010594Y9021", date(1994, 5, 1)),
        ("020502E902X", date(2002, 5, 2)),
        ("020502A902X", date(2002, 5, 2)),
        ("010100+002H", date(1800, 1, 1)),
    ],
)
def test_known_codes_are_valid(code: str, born: date) -> None:
    assert parse_identity_code(code).birth_date == born


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("131052-308U", "check character"),
        ("311152-308T", "not a real date"),
        ("290223A0025", "not a real date"),  # 2023 was not a leap year
        ("131052Z308T", "century sign"),
        ("131052-000X", "individual number"),
        ("131052-001Y", "individual number"),
        ("131052-308", "11 characters"),
        ("13105A-308T", "digits"),
        ("131052-²²²T", "digits"),  # digits to str.isdigit, not to int(): once a 500
        ("١٣١٠٥٢-308T", "digits"),  # Arabic-Indic digits: int() reads them, a code has none
        ("", "11 characters"),
    ],
)
def test_invalid_codes_are_refused_saying_why_without_the_code(code: str, why: str) -> None:
    with pytest.raises(InvalidIdentityCode) as caught:
        parse_identity_code(code)
    assert why in str(caught.value)
    if code:
        assert code not in str(caught.value)


def test_lowercase_and_surrounding_space_are_the_same_code() -> None:
    assert parse_identity_code(" 131052y308t ").normalized == "131052Y308T"


def test_the_code_does_not_show_in_repr() -> None:
    assert "131052" not in repr(parse_identity_code("131052-308T"))


def test_same_person_same_pseudonym_whatever_the_pilot_or_case_and_another_key_differs() -> None:
    first = Pseudonymiser({"a": KEY}, "a")
    one = first.of_identity_code(parse_identity_code("131052-308T"))
    again = first.of_identity_code(parse_identity_code("131052-308t"))
    assert one == again and len(one.value) == 64 and one.key_id == "a"
    rotated = Pseudonymiser({"a": KEY, "b": b"x" * 32}, "b")
    assert rotated.of_identity_code(parse_identity_code("131052-308T")).value != one.value
    # the old key still gives the old pseudonym, so a rotation can be bridged
    assert rotated.of_identity_code(parse_identity_code("131052-308T"), "a") == one


def test_identity_codes_and_regional_numbers_live_in_separate_namespaces() -> None:
    p = Pseudonymiser({"a": KEY}, "a")
    by_code = p.of_identity_code(parse_identity_code("131052-308T"))
    regional = p.of_regional_client("apotti", "131052-308T")
    assert by_code.value != regional.value
    assert p.of_regional_client("Apotti ", "42") == p.of_regional_client("apotti", "42")
    assert p.of_regional_client("apotti", "42") != p.of_regional_client("lifecare", "42")


def test_short_or_missing_keys_are_refused() -> None:
    with pytest.raises(KeyConfigurationError):
        Pseudonymiser({"a": b"short"}, "a")
    with pytest.raises(KeyConfigurationError):
        Pseudonymiser({"a": KEY}, "b")
    with pytest.raises(KeyConfigurationError):
        Pseudonymiser.from_setting("a:not base64!", "a")


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        ((2010, 5, 4), date(2026, 5, 3), "13-15"),
        ((2010, 5, 4), date(2026, 5, 4), "16-17"),
        ((2008, 11, None), date(2026, 11, 15), "16-17"),  # without the day: the middle of
        ((2008, 11, None), date(2026, 11, 16), "18-21"),  # the month is the birthday
        ((2008, 2, None), date(2026, 2, 15), "18-21"),
        ((1997, 1, 1), date(2026, 12, 31), "26-29"),
        ((1990, 1, 1), date(2026, 1, 1), "30+"),
        ((2020, 1, 1), date(2026, 1, 1), "0-12"),
    ],
)
def test_age_band_at_the_time_of_the_event(born: tuple, on: date, band: str) -> None:
    year, month, day = born
    assert age_band(age_on(year, month, on, day)) == band


def test_without_the_birth_day_the_age_is_as_often_a_year_too_high_as_too_low() -> None:
    """Over everyone born in a year and every day of the next twenty years, the convention errs
    both ways about equally (taking the 1st of the month made everyone a year older early)."""
    from datetime import timedelta

    too_old = too_young = 0
    born = date(2008, 1, 1)
    while born.year == 2008:
        if (born.month, born.day) == (2, 29):  # no birthday in 2026
            born += timedelta(days=1)
            continue
        for on in (born.replace(year=2026) + timedelta(days=d) for d in range(-20, 21)):
            exact, kept = (
                age_on(born.year, born.month, on, born.day),
                age_on(born.year, born.month, on),
            )
            too_old += kept > exact
            too_young += kept < exact
        born += timedelta(days=1)
    assert too_old > 0 and too_young > 0
    assert abs(too_old - too_young) <= 0.05 * (too_old + too_young)


def test_unknown_or_negative_age_is_unknown() -> None:
    assert age_band(None) == "unknown" and age_band(-1) == "unknown"


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_an_identifier_written_in_full_width_characters_gives_the_same_pseudonym() -> None:
    """A regional export wrote ``Ｃ123`` for ``C123``: two cases opened for one young person."""
    from services.intake.domain.validation import validate_item
    from tests.support.intake_data import referral

    p = Pseudonymiser({"k1": KEY}, "k1")
    plain = p.of_regional_client("lifecare", "C123")
    assert p.of_regional_client(" LIFECARE ", _full_width("C123")) == plain
    assert p.of_regional_client(_full_width("lifecare"), " C123\u3000") == plain

    base = referral(1, personal_identity_code=None, birth_year_month="2009-03")
    ascii_item, errors = validate_item(
        "referral", base | {"client_system": "lifecare", "client_id": "C123"}
    )
    wide_item, wide_errors = validate_item(
        "referral",
        base
        | {
            "client_system": _full_width("lifecare"),
            "client_id": _full_width("C123"),
            "source_id": _full_width(base["source_id"]),
        },
    )
    assert errors == wide_errors == []
    assert ascii_item is not None and wide_item is not None
    assert (wide_item["client_id"], wide_item["source_id"]) == ("C123", base["source_id"])
    code = format_identity_code(date(2009, 3, 7), 123)
    wide_code, code_errors = validate_item(
        "referral", referral(1) | {"personal_identity_code": _full_width(code)}
    )
    assert code_errors == [] and wide_code is not None
    assert p.of_identity_code(wide_code["personal_identity_code"]) == p.of_identity_code(
        parse_identity_code(code)
    )


@pytest.mark.parametrize("invisible", ["\x00", "\x1b", "\u200b", "\u00ad", "\ufeff", "\ud800"])
def test_an_identifier_with_a_control_or_invisible_character_is_refused_naming_the_field(
    invisible: str,
) -> None:
    from services.intake.domain.validation import validate_item
    from tests.support.intake_data import referral

    item = referral(1, personal_identity_code=None, birth_year_month="2009-03")
    _, errors = validate_item(
        "referral", item | {"client_system": "lifecare", "client_id": f"C1{invisible}23"}
    )
    assert [e["pointer"] for e in errors] == ["#/client_id"]
    assert "C1" not in errors[0]["detail"]
