"""Consultation rounds: a frozen draft opened for comment, closed by the clock, answered, reported."""
