"""The coordinators' tools: the weekly digest, report, explain, browse, export and CSV import. They read the
program's state; only the digest sends mail (through the outbox)."""
