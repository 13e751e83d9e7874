"""The mentoring program itself, one room per feature: check-ins, introductions, commands, joining, notes to the
coordinators, privacy, matching, and carrying out the follow-through rules. Handlers get an `Inbound` (context.py)
and write through the database and the outbox; they never talk to IMAP or SMTP."""
