"""The three Turvaverkko services. Each has the same inner shape:

- ``app.py`` — ``create_app()``, the application factory;
- ``api/`` — HTTP resources (flask-smorest blueprints and schemas);
- ``domain/`` — rules, with no I/O;
- ``store/`` — tables and queries of the service's own database;
- ``consumers/`` — handlers of the events the service consumes (``CONSUMERS``);
- ``migrations/`` — the Alembic environment of its own database.
"""
