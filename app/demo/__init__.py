"""Demo data for the embedded default: departments, residents with varied records, merchants."""
