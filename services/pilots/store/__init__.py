"""The pilots service's own database: its tables (``tables.py``) and the repositories and
statements over them — SQLAlchemy Core, no rule of who may do what (``usecases/`` decides that)."""
