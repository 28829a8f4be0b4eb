"""The intake service's own database: tables and queries."""
