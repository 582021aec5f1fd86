"""The complaint hotline's code, in packages by domain, each saying in its __init__ what it owns and
what it may import. Data flows one way: edge -> intake -> staff -> sla -> notify -> store -> model ->
runtime (pyproject.toml's import-linter contracts enforce it)."""
