"""The pilots service's use cases: what happens when someone does something.

One module per area, one function per use case. Each takes the caller's principal, a unit of
work and plain data; checks who may do it; applies the rules of ``domain/``; and works through the
repositories of ``store/`` — for client-level data only through the scoped, self-auditing
:class:`~services.pilots.store.case_repository.CaseRepository`. The HTTP views of ``api/`` and
the event handlers of ``consumers/`` both call this layer; it knows nothing of HTTP.

- ``cases.py``: a worker's cases — find, read, move, tasks, timeline, my work, the access report.
- ``case_events.py``: what intake's referrals, participations and outcomes do to cases.
- ``pilots.py``: pilots, their lifecycle phase changes and evidence.
- ``activities.py``, ``reference.py``: activities; regions, organisations, instruments.
- ``aggregates.py``: the coordinators' protected tables and ESF+ indicators.
- ``rollup.py``: what each event adds to the roll-up behind the aggregates.
- ``access.py``: who may change the reference data (admins; a pilot's own leads).
- ``versioned.py``: the read, create and change from a read version that reference data shares.
"""
