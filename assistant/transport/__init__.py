"""Moving bytes in and out: inboxes and outbound senders. Knows nothing about mentoring."""
