"""Chalice wiring only: each route or event parses nothing itself and calls chalicelib.
chalicelib modules are imported inside the handlers so a cold start loads only what the
invoked function needs (see benchmarks/cold_start.py)."""
import logging
import os

from chalice import Chalice, Rate, Response

from chalicelib.runtime import logs
from chalicelib.runtime.clock import now

app = Chalice(app_name="complaint-hotline", configure_logs=False)  # app.log: through logs.setup, as JSON
logs.setup(app.log)
app.log.setLevel(logging.INFO)
FORM = ["application/x-www-form-urlencoded"]


@app.route("/complaints/new", methods=["GET"])
def new_complaint_form():
    from chalicelib.edge import web

    return web.new_form(app.current_request)


@app.route("/complaints", methods=["POST"], content_types=FORM)
def submit_complaint():
    from chalicelib.edge import web

    return web.submit_form(app.current_request, now())


@app.route("/complaints/status", methods=["GET"])
def complaint_status():
    from chalicelib.edge import web

    return web.status_page(app.current_request, now())


@app.route("/complaints/status", methods=["POST"], content_types=FORM)
def complaint_status_lookup():
    from chalicelib.edge import web

    return web.status_page(app.current_request, now())


@app.route("/api/complaints", methods=["POST"], content_types=["application/json"])
def api_submit_complaint():
    from chalicelib.edge import web

    return web.api_submit(app.current_request, now())


@app.route("/twilio/sms", methods=["POST"], content_types=FORM)
def twilio_sms():
    from chalicelib.edge import twilio as telephony

    return telephony.sms_webhook(app.current_request, now())


@app.route("/twilio/voice", methods=["POST"], content_types=FORM)
def twilio_voice():
    from chalicelib.edge import twilio as telephony

    return telephony.voice_webhook(app.current_request, now(), "start")


@app.route("/twilio/voice/{step}", methods=["POST"], content_types=FORM)
def twilio_voice_step(step):
    from chalicelib.edge import twilio as telephony

    if step not in ("language", "category", "recorded", "transcription", "status"):
        return Response(body="Not found\n", status_code=404, headers={"Content-Type": "text/plain"})
    return telephony.voice_webhook(app.current_request, now(), step)


@app.route("/twilio/status", methods=["POST"], content_types=FORM)
def twilio_status():
    from chalicelib.edge import twilio as telephony

    return telephony.status_webhook(app.current_request, now())


@app.route("/s/{token}", methods=["GET"])
def staff_link_page(token):
    from chalicelib.edge import staff_page

    return staff_page.staff_page(app.current_request, token, now())


@app.route("/s/{token}", methods=["POST"], content_types=FORM)
def staff_link_action(token):
    from chalicelib.edge import staff_page

    return staff_page.staff_page(app.current_request, token, now())


@app.on_sns_message(topic=os.environ.get("MAIL_TOPIC", "complaint-hotline-inbound-mail"))
def inbound_email(event):
    from chalicelib.intake.email import handle_sns

    outcome = handle_sns(event.message, now())
    app.log.info("inbound_email %s", outcome)
    return outcome


# Amazon Transcribe's job events (Chinese voicemail), only this stack's jobs: they are named
# after the table.
@app.on_cw_event({"source": ["aws.transcribe"], "detail-type": ["Transcribe Job State Change"],
                  "detail": {"TranscriptionJobName": [{"prefix": os.environ.get("TABLE_NAME", "complaint-hotline") + "-"}]}})
def transcribed(event):
    from chalicelib.runtime import context
    from chalicelib.intake.transcription import read_transcript
    from chalicelib.intake.voice import add_transcript

    found = read_transcript(event.detail)
    outcome = "not ours" if found is None else add_transcript(context.store(), found[0], "", found[1], event.detail, now())
    app.log.info("transcribed %s", outcome)
    return outcome


@app.schedule(Rate(1, unit=Rate.MINUTES))
def sla_sweep(event):
    from chalicelib.runtime import context
    from chalicelib.sla.sweep import run_sweep

    result = run_sweep(context.store(), context.institution(), now(), context.setting("PUBLIC_BASE_URL"))
    app.log.info("sla_sweep %s", result)
    return result


@app.middleware("all")
def log_context(event, get_response):
    """Every log line of an invocation carries its request id (and the case reference, once known)."""
    with logs.invocation(request_id=logs.request_id_of(event)):
        return get_response(event)
