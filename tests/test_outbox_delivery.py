"""A failed send is retried, never dropped; a message is never sent twice."""

import json

import time_machine

JSON = {"Content-Type": "application/json"}


def _file(client, phone="+8613800138020"):
    response = client.http.post(
        "/api/complaints",
        headers=JSON,
        body=json.dumps({"description": "Teller refused to let me withdraw cash", "phone": phone, "language": "en"}),
    )
    return json.loads(response.body)["reference"]


def _acks(store, reference):
    return [message for message in store.outbox.for_case(reference) if message.purpose == "acknowledgement"]


def _sweep(client):
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sla_sweep"])
    return client.lambda_.invoke("sla_sweep", event).payload


def test_acknowledgement_that_fails_is_retried_by_the_sweep(client, moto_store, twilio):
    twilio.fail_next("+8613800138020", 503)
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        reference = _file(client)
        [message] = _acks(moto_store, reference)
        assert message.status == "pending" and message.attempts == 1 and "503" in message.last_error
        assert twilio.sent_to("+8613800138020") == []
        assert _sweep(client)["messages_sent"] == 0  # not due yet: backoff
        traveller.shift(61)
        assert _sweep(client)["messages_sent"] == 1
        assert _sweep(client)["messages_sent"] == 0  # and never twice
    [message] = _acks(moto_store, reference)
    assert message.status == "sent" and message.attempts == 2
    assert next(sent["body"] for sent in twilio.sent_to("+8613800138020")).count(reference) == 1


def test_message_refused_for_good_is_kept_and_shown_on_the_case(client, moto_store, twilio):
    twilio.fail_next("+8613800138021", 400)
    reference = _file(client, "+8613800138021")
    [message] = _acks(moto_store, reference)
    assert message.status == "gave_up" and "21610" in message.last_error
    events = [event for event in moto_store.cases.timeline(reference) if event.kind == "message_not_delivered"]
    assert len(events) == 1 and events[0].data["message_id"] == message.id


def test_a_message_given_up_is_counted_for_the_institutions_alarm(client, moto_store, twilio, monkeypatch, capsys):
    import json

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "hotline-harbour-city-bank-api-handler")
    monkeypatch.setenv("INSTITUTION", "harbour-city-bank")
    twilio.fail_next("+8613800138029", 400)
    _file(client, "+8613800138029")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    given_up = [line for line in lines if "MessagesGivenUp" in line]
    assert [line["MessagesGivenUp"] for line in given_up] == [1]
    [metric] = given_up[0]["_aws"]["CloudWatchMetrics"]
    assert metric["Namespace"] == "ComplaintHotline" and given_up[0]["Institution"] == "harbour-city-bank"
    assert any(line.get("ComplaintsFiled") == 1 and line["Channel"] == "api" for line in lines)


def test_a_complainants_message_is_retried_for_a_day_on_the_documented_schedule_then_flagged(
    client, moto_store, twilio
):
    """1, 2, 5, 10, 30, 60, 120 minutes, then every 2 hours, for 24 hours from its creation: an
    outage of hours loses no acknowledgement; after the window it is kept as gave_up, on the case."""
    from datetime import datetime, timedelta, timezone

    start = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    twilio.fail_next("+8613800138022", *([500] * 40))
    tries = []
    with time_machine.travel(start, tick=False) as traveller:
        reference = _file(client, "+8613800138022")
        for _ in range(40):
            [message] = _acks(moto_store, reference)
            if message.status != "pending":
                break
            traveller.move_to(message.next_attempt_at)
            _sweep(client)
            tries.append(message.next_attempt_at - start)
    [message] = _acks(moto_store, reference)
    assert message.status == "gave_up"
    minutes = [round(t.total_seconds() / 60) for t in tries]
    assert minutes[:8] == [1, 3, 8, 18, 48, 108, 228, 348]  # after each failure: 1, 2, 5, 10, 30, 60, 120, 120 ...
    assert tries[-1] <= timedelta(hours=24) < tries[-1] + timedelta(hours=2)  # the last try within the day
    assert message.attempts == len(tries) + 1 == 18
    assert any(event.kind == "message_not_delivered" for event in moto_store.cases.timeline(reference))


def test_a_message_claimed_by_one_sender_is_not_sent_by_another(moto_store, institution, twilio):
    from datetime import datetime, timezone

    from chalicelib.model.message import OutboundMessage

    now = datetime(2026, 11, 23, 2, tzinfo=timezone.utc)
    message = OutboundMessage(
        id="m1",
        channel="sms",
        to="+8613800138023",
        body="hello",
        purpose="test",
        language="en",
        created_at=now,
        next_attempt_at=now,
    )
    moto_store.client.put_item(TableName=moto_store.name, Item=moto_store.outbox.item(message))
    assert moto_store.outbox.claim("m1", now) is not None
    assert moto_store.outbox.claim("m1", now) is None  # the lease holds
    assert list(moto_store.cases.due_work(now)) == []


def test_acknowledgement_left_unsent_by_a_crashed_intake_is_sent_by_the_sweep_after_the_lease(
    client, moto_store, twilio, monkeypatch
):
    from chalicelib.model.message import SEND_LEASE
    from chalicelib.notify import sender as notify

    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        with monkeypatch.context() as crash:
            crash.setattr(notify, "attempt", lambda *args, **kwargs: None)  # the intake dies after its transaction
            reference = _file(client, "+8613800138024")
        assert _sweep(client)["messages_sent"] == 0  # the intake's lease still holds
        traveller.shift(SEND_LEASE.total_seconds() + 1)
        assert _sweep(client)["messages_sent"] == 1
    assert reference in twilio.sent_to("+8613800138024")[0]["body"]


def test_refused_credentials_keep_every_message_for_later_and_raise_the_alarms_metric(
    client, moto_store, twilio, monkeypatch, capsys
):
    """Twilio answers 401 (a suspended account, a rotated token): the acknowledgement is not given
    up but tried again, and ProviderCredentialsRefused is counted for the alarm; each sweep that
    finishes counts SweepsCompleted, which the dead-man alarm watches."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "hotline-harbour-city-bank-api-handler")
    monkeypatch.setenv("INSTITUTION", "harbour-city-bank")
    twilio.fail_next("+8613800138031", 401)
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        reference = _file(client, "+8613800138031")
        [message] = _acks(moto_store, reference)
        assert message.status == "pending" and message.attempts == 1
        traveller.shift(61)
        _sweep(client)
    [message] = _acks(moto_store, reference)
    assert message.status == "sent" and len(twilio.sent_to("+8613800138031")) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert [line["Provider"] for line in lines if "ProviderCredentialsRefused" in line] == ["Twilio"]
    assert any(line.get("SweepsCompleted") == 1 for line in lines)


def test_a_text_twilio_took_whose_answer_was_lost_is_not_sent_again(client, moto_store, twilio):
    """Twilio accepts the acknowledgement but the answer never arrives (the connection drops): the
    sender cannot know it went. Before trying again it asks Twilio's message list, finds it, and
    records it as sent: one text, not two."""
    number = "+8613800138033"
    twilio.drop_answer_once.add(number)
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        reference = _file(client, number)
        [message] = _acks(moto_store, reference)
        assert message.status == "pending" and message.last_error.startswith("ConnectionError")
        assert len(twilio.sent_to(number)) == 1  # it did reach Twilio
        traveller.shift(61)
        _sweep(client)
    [message] = _acks(moto_store, reference)
    [sent] = twilio.sent_to(number)
    assert message.status == "sent" and message.provider_id == sent["sid"]


def test_an_email_tried_again_after_a_timeout_is_counted_as_possibly_sent_twice(
    client, moto_store, twilio, monkeypatch, capsys
):
    """SES cannot be asked whether a timed-out send went: the retry goes (an email too many rather
    than none) and is counted, EmailsPossiblySentTwice."""
    from chalicelib.runtime import environment
    from support import time_out_calls

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "hotline-harbour-city-bank-api-handler")
    timed_out = time_out_calls(environment.aws_client("ses"), "ses", "SendRawEmail", 1)
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        filed = client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"description": "Fee charged twice", "email": "twice@example.com"}),
        )
        reference = json.loads(filed.body)["reference"]
        [email] = [m for m in moto_store.outbox.for_case(reference) if m.channel == "email"]
        assert timed_out == ["SendRawEmail"] and email.status == "pending"
        traveller.shift(61)
        _sweep(client)
    [email] = [m for m in moto_store.outbox.for_case(reference) if m.channel == "email"]
    assert email.status == "sent"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert [line["EmailsPossiblySentTwice"] for line in lines if "EmailsPossiblySentTwice" in line] == [1]
