"""Background work: the outbox dispatcher (in each web process) and the clock's jobs."""
