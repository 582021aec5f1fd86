"""edge: where requests come in, the only package that knows HTTP and Chalice. The HTTP toolkit
(http.py: body limits, security headers, forms, language), the complainant pages (pages.py), the JSON
API (api.py), the Twilio webhooks (twilio.py), the staff link page (staff_page.py), and the builder of
the dependencies object from the environment (dependencies.py). May import every layer below."""
