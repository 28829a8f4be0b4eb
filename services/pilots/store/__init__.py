"""The pilots service's own database: tables and queries."""
