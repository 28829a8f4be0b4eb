"""The intake service's pollers: processes that look for work in the database rather than wait for
a message — the import worker (``turvaverkko worker intake imports``), which takes queued file
imports and feeds their rows through the same path as the API's items."""
