"""Turvaverkko intake: The front door for client-level data: referrals, participation and outcome events from pilot workers and regional client-information systems; validated, pseudonymised, de-duplicated, stored and published."""

SERVICE = "intake"
