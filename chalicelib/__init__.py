"""The complaint hotline: everything except the Chalice wiring in app.py."""
