"""Understanding and writing email. Pure functions, no I/O."""
