"""The published record catalogue and the scoring schemes built on it."""
