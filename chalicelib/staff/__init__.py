"""staff: what staff do to a case. The case actions (actions.py, escalations.py, over case_state.py):
each reads the case, decides with the pure sla functions, writes conditionally on the version read and
sends what it causes; reply codes texted from a staff phone (reply_codes.py); using a staff link
(links.py). No HTTP here: the pages are in edge. May import sla, notify, store, model, runtime."""
