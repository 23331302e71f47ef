"""Shared infrastructure: time, database types, crypto, errors, Redis, audit."""
