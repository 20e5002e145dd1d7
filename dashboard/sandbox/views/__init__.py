"""The sandbox's endpoints, one module per family: files, the other team resources, threads.

Each handler gets a :class:`~dashboard.sandbox.api.Context` (the caller and, for team endpoints,
the team of ``x-team-id``) plus the URL's arguments, and returns data; ``api.Endpoint`` does the
rest. Kinds that behave alike use the generic handlers built from ``kinds.py``; the rest is what
is particular to a kind.
"""
