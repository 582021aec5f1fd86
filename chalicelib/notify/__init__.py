"""notify: everything sent. The outbox sender (sender.py: leases, retries, give-up, delivery reports),
what complainants receive (complainant.py), texts to staff with links (staff.py), SMS segments
(segments.py, pure), sending profiles at send time (profiles.py: templates, quiet hours, daily caps),
what happened to a message on its cases (case_notes.py), and the providers behind an interface
(provider.py): Twilio (twilio.py, also its webhook signatures), Tencent Cloud SMS (tencent.py) and
SES (ses.py). May import store, model, runtime."""
