"""National reference data shipped with the code (the same for every service)."""
