"""The pilots service's use cases: what happens when someone does something.

One module per area, one function per use case. Each takes the caller's principal, a unit of
work and plain data; checks who may do it; applies the rules of ``domain/``; and works through the
repositories of ``store/`` — for client-level data only through the scoped, self-auditing
:class:`~services.pilots.store.case_repository.CaseRepository`. The HTTP views of ``api/`` and
the event handlers of ``consumers/`` both call this layer; it knows nothing of HTTP.
"""
