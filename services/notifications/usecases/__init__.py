"""The notifications service's use cases: what happens when someone (or an event) does something —
who may, which rules apply, what is audited. The API's views and the consumers call these; they
call the store's repositories and the adapters."""
