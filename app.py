"""Chalice wiring only: each route or event takes the container's dependencies and calls
chalicelib. chalicelib modules are imported inside the handlers so a cold start loads only what the
invoked function needs (see benchmarks/cold_start.py)."""

import logging
import os

from chalice import Chalice, Rate

from chalicelib.runtime.clock import now

app = Chalice(app_name="complaint-hotline", configure_logs=False)  # app.log: through logs.setup, as JSON
app.log.setLevel(logging.INFO)
FORM = ["application/x-www-form-urlencoded"]


def _deps():
    from chalicelib.edge.dependencies import current

    return current()


@app.route("/complaints/new", methods=["GET"])
def new_complaint_form():
    from chalicelib.edge import pages

    return pages.new_form(_deps(), app.current_request)


@app.route("/complaints", methods=["POST"], content_types=FORM)
def submit_complaint():
    from chalicelib.edge import pages

    return pages.submit_form(_deps(), app.current_request, now())


@app.route("/complaints/status", methods=["GET"])
def complaint_status():
    from chalicelib.edge import pages

    return pages.status_page(_deps(), app.current_request, now())


@app.route("/complaints/status", methods=["POST"], content_types=FORM)
def complaint_status_lookup():
    from chalicelib.edge import pages

    return pages.status_page(_deps(), app.current_request, now())


@app.route("/api/openapi.json", methods=["GET"])
def api_description():
    from chalicelib.edge import openapi

    return openapi.document()


# Every content type reaches the view, which refuses the others in the API's own JSON shape.
@app.route("/api/complaints", methods=["POST"], content_types=["*/*"])
def api_submit_complaint():
    from chalicelib.edge import api

    return api.api_submit(_deps(), app.current_request, now())


@app.route("/twilio/sms", methods=["POST"], content_types=FORM)
def twilio_sms():
    from chalicelib.edge import twilio

    return twilio.sms_webhook(_deps, app.current_request, now())


@app.route("/twilio/voice", methods=["POST"], content_types=FORM)
def twilio_voice():
    from chalicelib.edge import twilio

    return twilio.voice_webhook(_deps, app.current_request, now(), "start")


@app.route("/twilio/voice/{step}", methods=["POST"], content_types=FORM)
def twilio_voice_step(step):
    from chalicelib.edge import twilio

    return twilio.voice_webhook(_deps, app.current_request, now(), step)


@app.route("/twilio/status", methods=["POST"], content_types=FORM)
def twilio_status():
    from chalicelib.edge import twilio

    return twilio.status_webhook(_deps, app.current_request, now())


@app.route("/tencent/sms/{token}", methods=["POST"], content_types=["*/*"])
def tencent_sms(token):
    from chalicelib.edge import tencent

    return tencent.reply_callback(_deps(), app.current_request, token, now())


@app.route("/tencent/status/{token}", methods=["POST"], content_types=["*/*"])
def tencent_status(token):
    from chalicelib.edge import tencent

    return tencent.status_callback(_deps(), app.current_request, token, now())


@app.route("/complaints/follow-up/{token}", methods=["GET"])
def follow_up_question(token):
    from chalicelib.edge import follow_up_page

    return follow_up_page.follow_up_page(_deps(), app.current_request, token, now())


@app.route("/complaints/follow-up/{token}", methods=["POST"], content_types=FORM)
def follow_up_answer(token):
    from chalicelib.edge import follow_up_page

    return follow_up_page.follow_up_page(_deps(), app.current_request, token, now())


@app.route("/s/{token}", methods=["GET"])
def staff_link_page(token):
    from chalicelib.edge import staff_page

    return staff_page.staff_page(_deps(), app.current_request, token, now())


@app.route("/s/{token}", methods=["POST"], content_types=FORM)
def staff_link_action(token):
    from chalicelib.edge import staff_page

    return staff_page.staff_page(_deps(), app.current_request, token, now())


@app.route("/s/{token}/files/{index}", methods=["GET"])
def staff_link_file(token, index):
    from chalicelib.edge import staff_cases

    return staff_cases.link_file(_deps(), app.current_request, token, index, now())


@app.route("/staff/sign-in", methods=["GET"])
def staff_sign_in_form():
    from chalicelib.edge import staff_session

    return staff_session.sign_in_form(_deps(), app.current_request, now())


@app.route("/staff/sign-in", methods=["POST"], content_types=FORM)
def staff_sign_in_request():
    from chalicelib.edge import staff_session

    return staff_session.sign_in_form(_deps(), app.current_request, now())


@app.route("/staff/sign-in/{token}", methods=["GET"])
def staff_sign_in_link(token):
    from chalicelib.edge import staff_session

    return staff_session.sign_in_link(_deps(), app.current_request, token, now())


@app.route("/staff/sign-in/{token}", methods=["POST"], content_types=FORM)
def staff_sign_in(token):
    from chalicelib.edge import staff_session

    return staff_session.sign_in_link(_deps(), app.current_request, token, now())


@app.route("/staff/home", methods=["GET"])
def staff_home():
    from chalicelib.edge import staff_session

    return staff_session.home(_deps(), app.current_request, now())


@app.route("/staff/cases", methods=["GET"])
def staff_queue():
    from chalicelib.edge import staff_queue

    return staff_queue.queue_page(_deps(), app.current_request, now())


@app.route("/staff/register", methods=["GET"])
def staff_register_view():
    from chalicelib.edge import staff_queue

    return staff_queue.queue_page(_deps(), app.current_request, now(), register=True)


@app.route("/staff/cases", methods=["POST"], content_types=FORM)
def staff_queue_assign():
    from chalicelib.edge import staff_queue

    return staff_queue.queue_page(_deps(), app.current_request, now())


@app.route("/staff/new-case", methods=["GET"])
def staff_new_case_form():
    from chalicelib.edge import staff_register

    return staff_register.register_page(_deps(), app.current_request, now())


@app.route("/staff/new-case", methods=["POST"], content_types=FORM)
def staff_new_case():
    from chalicelib.edge import staff_register

    return staff_register.register_page(_deps(), app.current_request, now())


@app.route("/staff/cases/{reference}", methods=["GET"])
def staff_case_page(reference):
    from chalicelib.edge import staff_cases

    return staff_cases.case_page(_deps(), app.current_request, reference, now())


@app.route("/staff/cases/{reference}", methods=["POST"], content_types=FORM)
def staff_case_action(reference):
    from chalicelib.edge import staff_cases

    return staff_cases.case_page(_deps(), app.current_request, reference, now())


@app.route("/staff/cases/{reference}/uploaded", methods=["GET"])
def staff_case_uploaded(reference):
    from chalicelib.edge import staff_cases

    return staff_cases.uploaded(_deps(), app.current_request, reference, now())


@app.route("/staff/cases/{reference}/files/{index}", methods=["GET"])
def staff_case_file(reference, index):
    from chalicelib.edge import staff_cases

    return staff_cases.case_file(_deps(), app.current_request, reference, index, now())


@app.route("/staff/sign-out", methods=["POST"], content_types=FORM)
def staff_sign_out():
    from chalicelib.edge import staff_session

    return staff_session.sign_out(_deps(), app.current_request, now())


@app.on_sns_message(topic=os.environ.get("MAIL_TOPIC", "complaint-hotline-inbound-mail"))
def inbound_email(event):
    from chalicelib.intake.email import handle_sns

    outcome = handle_sns(_deps(), event.message, now())
    app.log.info("inbound_email %s", outcome)
    return outcome


# Amazon Transcribe's job events (voicemail), only this stack's jobs: they are named after the table.
@app.on_cw_event(
    {
        "source": ["aws.transcribe"],
        "detail-type": ["Transcribe Job State Change"],
        "detail": {"TranscriptionJobName": [{"prefix": os.environ.get("TABLE_NAME", "complaint-hotline") + "-"}]},
    }
)
def transcribed(event):
    from chalicelib.intake.transcription import job_finished

    outcome = job_finished(_deps(), event.detail, now())
    app.log.info("transcribed %s", outcome)
    return outcome


@app.schedule(Rate(1, unit=Rate.MINUTES))
def sla_sweep(event):
    from chalicelib.sla.sweep import run_sweep

    result = run_sweep(_deps(), now())
    app.log.info("sla_sweep %s", result)
    return result


@app.schedule(Rate(1, unit=Rate.MINUTES))
def spool_replay(event):
    from chalicelib.edge.twilio import replay_spool

    result = replay_spool(_deps(), now())
    app.log.info("spool_replay %s", result)
    return result


@app.middleware("all")
def log_context(event, get_response):
    """Every log line of an invocation carries its request id (and the case reference, once known).
    Logging is set up by the first invocation, not at import: the import is every cold start's floor."""
    from chalicelib.runtime import logs

    logs.setup_once(app.log)
    with logs.invocation(request_id=logs.request_id_of(event)):
        return get_response(event)
