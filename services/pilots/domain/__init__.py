"""The pilots service's rules, with no I/O (filled by the pilots issue)."""
