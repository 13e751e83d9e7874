"""Coordinators as a role, never as participants: their replies kept as notes, their commands by email."""
