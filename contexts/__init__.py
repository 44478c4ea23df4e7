"""Bounded contexts: each owns its domain, application, infrastructure and api."""
