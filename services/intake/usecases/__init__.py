"""What happens when someone does something in intake: one module per use case, each function
taking the caller's ``Principal`` (or, for events and imports, whoever the data comes from), a
``UnitOfWork`` and plain data. They decide who may do what (``access``: the admin bypass, said
once), apply ``domain`` rules and call ``store`` repositories; the API's views, the consumers'
handlers and the import worker all call them.

- ``items``: accepting referrals, participations and outcomes (the one path items enter by),
  the state of an event;
- ``imports``: uploading a file, following its import; ``importing``: what the import worker
  does with each batch, and how an import ends;
- ``case_lookups``, ``attendance_registers``: finding a case again, recording a session by case;
- ``case_map``, ``reference_data``: keeping intake's copies of what the pilots service publishes.

No Flask and no SQL here (import-linter contracts check both)."""
