"""The notifications service's use cases: what happens when someone (or an event) does something —
who may (``access.py``, said once), which rules apply, what is audited. One module per area:
``fanout`` (an event comes: the rules consumer's handlers), ``inbox``, ``directory``,
``webhooks``, ``rules``, ``deliveries``, ``dead_letters``. The API's views, the consumers and the
workers call these; they call the store's repositories and the adapters."""
