"""Intake's direct loading of items (``DirectLoad``) gives exactly what the marshmallow schemas
give — the same loaded item, or the schema's own errors — for valid and invalid items alike, and
keeps no identifier of a person in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from services.intake.domain import validation
from services.intake.domain.schemas import ITEM_SCHEMAS
from services.intake.domain.validation import REMEMBERED, DirectLoad, validate_item
from shared.http import field_errors
from tests.support.intake_data import hetu, outcome, participation, referral

MAKERS = {"referral": referral, "participation": participation, "outcome": outcome}

#: Values a careless or hostile client sends in place of a field's value.
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "pilot-a ",
            "Ｐilot-a",
            "pilot-a\n",
            "pilot-\x00a",
            "2026-10-01",
            "2026-10-01T16:30:00+03:00",
            "2999-01-01T00:00:00",
            "1899-12-31",
            "31.12.2025",
            "90",
            "9e9",
            "male",
            "unknown",
            "08",
            "8",
            "99",
            "attended",
            "absent",
            "culture",
            "follow_up",
            "WEMWBS",
            "2008-07",
            "2030-01",
            hetu(1),
            hetu(2).lower(),
            "C123",
        ]
    ),
    # a valid value made a little wrong: padded, cased, or with a character more
    st.builds(
        lambda value, change: change(value),
        st.sampled_from(
            ["attended", "male", "culture", "08", "WEMWBS", "pilot-a", "2026-10-01", "90"]
        ),
        st.sampled_from(
            [
                lambda v: v + " ",
                lambda v: " " + v,
                lambda v: v.upper(),
                lambda v: v + "\t",
                lambda v: v + "x",
                lambda v: v[:-1],
            ]
        ),
    ),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


TWEAKS = st.sampled_from(
    [
        lambda v: v + " ",
        lambda v: " " + v,
        lambda v: v.upper(),
        lambda v: v.title(),
        lambda v: v + "\t",
        lambda v: v + "\n",
        lambda v: v + "x",
        lambda v: v[:-1],
        lambda v: v.replace("-", "\u2011"),
    ]
)


@st.composite
def items(draw: st.DrawFn) -> tuple[str, Any]:
    """A valid item of some kind, then some of its fields changed, dropped or added."""
    kind = draw(st.sampled_from(sorted(MAKERS)))
    item: dict[str, Any] = MAKERS[kind](draw(st.integers(0, 50)))
    names = [*sorted(ITEM_SCHEMAS[kind]().load_fields), "extra", "230918F4176"]
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(names))
        action = draw(st.sampled_from(["set", "drop", "tweak", "tweak"]))
        if action == "drop":
            item.pop(name, None)
        elif action == "tweak" and isinstance(item.get(name), str):
            item[name] = draw(TWEAKS)(item[name])  # its own valid value, made a little wrong
        else:
            item[name] = draw(ODD_VALUES)
    if draw(st.booleans()):
        return kind, draw(st.sampled_from([None, [], "x", 1, [item]]))
    return kind, item


def by_schema_alone(kind: str, raw: Any) -> validation.Validated:
    """What validate_item answered before DirectLoad: ``Schema.load`` and its errors."""
    if not isinstance(raw, dict):
        return None, [{"pointer": "#", "detail": "Each item must be a JSON object."}]
    try:
        return ITEM_SCHEMAS[kind]().load(raw), []
    except ValidationError as exc:
        return None, field_errors({"json": exc.messages}, {"json": raw})


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items())
def test_an_item_is_loaded_or_refused_exactly_as_its_schema_alone_would(
    case: tuple[str, Any],
) -> None:
    kind, raw = case
    # Twice: the second time from remembered values.
    assert validate_item(kind, raw) == by_schema_alone(kind, raw)
    assert validate_item(kind, raw) == by_schema_alone(kind, raw)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_valid_item_is_loaded_directly_and_gives_the_schemas_result(kind: str) -> None:
    raw = MAKERS[kind](7)
    direct = DirectLoad(ITEM_SCHEMAS[kind]())
    loaded = direct(raw)
    assert loaded is not None, "a valid item must not need the schema's general load"
    assert loaded == ITEM_SCHEMAS[kind]().load(raw)
    assert direct(raw) == loaded  # remembered values give the same item


def test_a_value_refused_once_is_not_remembered_and_a_remembered_one_stays_right() -> None:
    direct = DirectLoad(ITEM_SCHEMAS["participation"]())
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
    assert direct(participation(1, occurred_at=future)) is None
    assert future not in direct.remembered["occurred_at"]
    assert direct(participation(1, attendance="nope")) is None
    assert "nope" not in direct.remembered["attendance"]
    assert direct(participation(1)) is not None
    assert "attended" in direct.remembered["attendance"]


def test_no_identifier_of_a_person_nor_an_items_own_id_is_remembered() -> None:
    for kind, schema_class in ITEM_SCHEMAS.items():
        direct = DirectLoad(schema_class())
        for n in range(5):
            assert direct(MAKERS[kind](n)) is not None
        assert not {
            "personal_identity_code",
            "client_id",
            "client_system",
            "source_id",
            "case_id",
        } & set(direct.remembered)
        remembered = {str(v) for values in direct.remembered.values() for v in values}
        assert not any(hetu(n) in remembered for n in range(5))
    assert not {"personal_identity_code", "client_id", "case_id"} & REMEMBERED


def test_a_schema_with_hooks_direct_loading_does_not_run_is_refused() -> None:
    from marshmallow import fields, post_load

    from shared.validation import StrictSchema

    class WithPostLoad(StrictSchema):
        name = fields.String()

        @post_load
        def _change(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
            return data

    with pytest.raises(TypeError, match="hooks"):
        DirectLoad(WithPostLoad())
