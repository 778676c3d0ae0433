"""Probabilities: the exact posterior, the parameter draws it runs over, views at a date, and the value of indicators."""
