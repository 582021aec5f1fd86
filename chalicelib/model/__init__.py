"""model: the register's records and the institution's configuration, as values. Owns the case, its
clocks, chain members and append-only events (case.py), outbound messages (message.py), the status
lifecycle (lifecycle.py, the only place transitions are decided), the shared vocabularies
(literals.py), the working calendar (calendar.py), the institution config and its policies
(institution.py, policy.py), reference numbers and contact parsing, and refusals (refusals.py).
Pure: may import only chalicelib.runtime (clock, language, texts) and pydantic; no I/O."""
