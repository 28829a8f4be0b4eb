"""The notifications service's pollers: processes that act on time and on rows waiting in the
database, not on a message — the ``sender`` (``workers/sender.py``: e-mails, webhooks, retries,
the daily digests and the retention of what was sent). Event handlers are in ``consumers/``."""
