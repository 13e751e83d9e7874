"""The monthly check-in: the cycle that sends the prompts (cycle.py) and a participant's reply to one (reply.py)."""
