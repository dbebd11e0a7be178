"""Use cases. Each takes what it needs as arguments, runs in one transaction
(`with uow: ...; uow.commit()`) and returns plain data."""
