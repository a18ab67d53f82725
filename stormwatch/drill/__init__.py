"""Drills: the team trains on scripted crises in a sandboxed copy of its workspace, and is scored.

``scenario``/``loader`` read the YAML storylines, ``clock`` and ``engine`` (pure) say which injects
and branches are due, ``service`` runs a drill over the store through the real pipeline,
``checks``/``scoring``/``report``/``history`` judge and remember it.
"""
