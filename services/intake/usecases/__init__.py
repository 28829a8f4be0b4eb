"""The intake service's use cases: who may do what, over the stores (``api`` and the workers call
these; no HTTP here)."""
