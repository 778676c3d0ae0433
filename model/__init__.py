"""Weathervane's library: questions, evidence, the exact engine, and everything built on them.

Usable from Python without the command line, e.g.::

    from model.loader import load_question
    from model.forecast import probabilities_at
    from model.parameters import Parameters
"""
