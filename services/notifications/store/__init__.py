"""The notifications service's own database: tables and queries."""
