"""Intake's rules, with no I/O: identity codes, pseudonyms, age bands and the item vocabularies."""
