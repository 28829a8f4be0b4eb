"""The notifications service's rules and value objects, with no I/O: which event tells whom
(``rules.py``) in which words (``messages.py``), the day a gathered event counts in
(``gathering.py``), the digest's clock (``digests.py``), retries (``retries.py``), which webhook
addresses may be called (``targets.py``), sealed signing secrets (``signing_secrets.py``) and
what an attempt to send came to (``outcome.py``)."""
