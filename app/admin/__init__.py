"""Credit-centre operators."""
