"""Events from other services this service reacts to: none yet (the worker only relays the outbox)."""

HANDLERS: dict = {}
