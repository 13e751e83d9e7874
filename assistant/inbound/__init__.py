"""Inbound mail: the chain that classifies a message and the handlers for each outcome."""
