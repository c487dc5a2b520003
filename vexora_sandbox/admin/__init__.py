"""The ``/_sandbox/`` routes: health, inspection and control."""
