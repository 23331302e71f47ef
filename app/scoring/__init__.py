"""Turning records into explained scores: the pure engine, storage, single and batch rescoring."""
