"""Background work: a loop (start, stop, backoff), a lease, and the periodic jobs each domain declares."""
