"""Turvaverkko notifications: Rules over domain events; in-app inbox, e-mail and signed webhooks, with retries and a delivery log."""

SERVICE = "notifications"
