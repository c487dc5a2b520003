"""The gateway's routes: thin handlers, one per endpoint."""
