"""Introductions with double opt-in: a coordinator's request (requests.py), asking mentors in turn (asks.py), and
a mentor's answer (answers.py)."""
