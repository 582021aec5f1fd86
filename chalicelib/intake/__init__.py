"""intake: one path into the register (filing.py) and one adapter per channel: the web form and API
submission (submission.py), SMS (sms.py, sms_keywords.py), voice (voice.py), email (email.py, with the
pure MIME parser mime.py), media (media.py) and transcription (transcription.py). Adapters turn a
delivery into a NewComplaint or an addition to a case; they get the dependencies passed in and never
read the environment. May import staff, sla, notify, store, model, runtime."""
