"""Weathervane's library: questions, evidence, the exact engine, and everything built on them.

Usable from Python without the command line, e.g.::

    from model.workspace.loader import load_question
    from model.engine.probabilities import probabilities_at
    from model.engine.parameters import Parameters
"""
