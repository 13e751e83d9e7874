"""mentorship-assistant: runs a mentorship program entirely by email."""

__version__ = "0.1.0"
