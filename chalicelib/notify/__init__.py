"""notify: everything sent. The outbox sender (sender.py: leases, retries, give-up, delivery reports),
what complainants receive (complainant.py), texts to staff with links (staff.py), SMS segments
(segments.py, pure), and the providers behind an interface (provider.py): Twilio (twilio.py, also its
webhook signatures) and SES (ses.py). May import store, model, runtime."""
