"""The project's own platform package: configuration, database, messaging, auth, HTTP and observability.

Every service uses these pieces and nothing else for the things they do, so that there is one way
to read settings, one unit of work, one publisher, one consumer base and one error format.
"""
