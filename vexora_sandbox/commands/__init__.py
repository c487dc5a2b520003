"""The ``vexora-sandbox`` subcommands, one module a theme; ``vexora_sandbox.cli`` wires them.

Each module has a ``register(sub)`` that adds its parsers to the subparsers ``sub``; every
parser's ``func`` is a plain ``cmd_*(args) -> exit code`` function.
"""
