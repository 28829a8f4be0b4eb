"""The events the intake service consumes: one `ConsumerSpec` per queue, each handler loading an
event's data and calling ``usecases``.

``reference-data`` (``consumers/reference_data.py``) keeps intake's own copy of the pilots,
activities and instruments that the pilots service publishes, so that items are checked against
them without reading another service's database.

``case-map`` (``consumers/case_map.py``) keeps intake's own copy of the cases pilots opens and
anonymises.

Pollers (the import worker) are in ``workers/``.
"""

from __future__ import annotations

from services.intake.consumers.case_map import CASE_MAP
from services.intake.consumers.reference_data import REFERENCE_DATA
from shared.messaging.consumer import ConsumerSpec

CONSUMERS: tuple[ConsumerSpec, ...] = (REFERENCE_DATA, CASE_MAP)
