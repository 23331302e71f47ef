"""Residents: the people records are about, and their accounts."""
