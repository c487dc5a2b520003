"""State that survives a restart (``--state PATH``): codecs, the SQLite store, the writer.

The domain knows nothing of it: ``Store``, ``Payments`` and the callback dispatcher tell an
observer what changed, and ``state.writer`` commits that from a thread of its own.
"""
