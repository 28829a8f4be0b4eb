"""Turvaverkko pilots: Pilots, organisations, regions, activities, cases and their workflow, tasks and the innovation lifecycle; the coordinators' anonymised aggregates."""

SERVICE = "pilots"
