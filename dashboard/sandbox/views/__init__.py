"""The sandbox's endpoints, one module per family: files, fine-tunes, agents, tools and Python
functions, vector databases, data jobs, the catalog (models, projects, deployments) and threads;
``resources`` holds the generic list, detail and delete handlers, ``references`` the reading of
what a body names.

Each handler gets a :class:`~dashboard.sandbox.api.Context` (the caller and, for team endpoints,
the team of ``x-team-id``) plus the URL's arguments, and returns data; ``api.Endpoint`` does the
rest. Kinds that behave alike use the generic handlers built from ``kinds.py``; the rest is what
is particular to a kind.
"""
