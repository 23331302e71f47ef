"""Public credit records delivered by departments."""
