"""The regions that organise social and health services: the 21 wellbeing services counties and
the City of Helsinki, with Statistics Finland's codes (Helsinki 90) and Finnish and Swedish names;
Åland (91) separately, as it organises its services under its own legislation."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Region:
    code: str
    kind: str  # wellbeing_services_county | city_of_helsinki | aland
    name_fi: str
    name_sv: str


@cache
def regions() -> dict[str, Region]:
    text = resources.files("shared.reference").joinpath("regions.csv").read_text("utf-8")
    return {row["code"]: Region(**row) for row in csv.DictReader(text.splitlines())}


def region_codes() -> frozenset[str]:
    return frozenset(regions())
