"""The pilots service's rules and value objects, with no I/O: the case workflow, the innovation
lifecycle, case codes, the published tables and their disclosure control, the vocabularies."""
