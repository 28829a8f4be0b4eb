"""HTTP resources of the intake service: every blueprint registered by `create_app()`."""

from services.intake.api.access_report import blp as access_report
from services.intake.api.attendance_registers import blp as attendance_registers
from services.intake.api.case_lookups import blp as case_lookups
from services.intake.api.imports import blp as imports
from services.intake.api.items import blp as items
from shared.service import ApiBlueprint as Blueprint

BLUEPRINTS: list[Blueprint] = [
    items,
    imports,
    case_lookups,
    attendance_registers,
    access_report,
]
