"""The notifications service's rules, with no I/O (filled by the notifications issue)."""
