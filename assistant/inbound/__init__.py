"""Inbound mail: the ledger, then the chain that classifies each message and hands it to its outcome's handler."""
