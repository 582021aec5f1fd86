"""Mail to the complaint mailbox, end to end: raw message in S3, the SES notification through
SNS into the real `inbound_email` handler, the case checked field by field."""

import json
import secrets
from pathlib import Path

import boto3
import pytest

CORPUS = Path(__file__).resolve().parent / "email_corpus"
MAILBOX = "complaints@harbourcitybank.example"


@pytest.fixture
def mailbox(client, moto_store, media_bucket, twilio):
    s3 = boto3.client("s3")

    def deliver(
        name: str | None = None,
        raw: bytes | None = None,
        verdicts: dict | None = None,
        ses_id: str | None = None,
        **placeholders,
    ) -> dict:
        if raw is None:
            raw = (CORPUS / f"{name}.eml").read_bytes()
        for key, value in placeholders.items():
            raw = raw.replace(f"{{{{{key.upper()}}}}}".encode(), value.encode())
        ses_id = ses_id or secrets.token_hex(20)
        key = f"inbound/{ses_id}"
        s3.put_object(Bucket=media_bucket, Key=key, Body=raw)
        statuses = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS", **(verdicts or {})}
        notification = {
            "notificationType": "Received",
            "mail": {
                "timestamp": "2026-11-23T12:00:00.000Z",
                "source": "sender@example.com",
                "messageId": ses_id,
                "destination": [MAILBOX],
                "headersTruncated": False,
            },
            "receipt": {
                "timestamp": "2026-11-23T12:00:00.000Z",
                "recipients": [MAILBOX],
                **{f"{k}Verdict": {"status": v} for k, v in statuses.items()},
                "action": {
                    "type": "S3",
                    "topicArn": "arn:aws:sns:us-east-1:123456789012:mail",
                    "bucketName": media_bucket,
                    "objectKey": key,
                },
            },
        }
        event = client.events.generate_sns_event(
            message=json.dumps(notification), subject="Amazon SES Email Receipt Notification"
        )
        outcome = client.lambda_.invoke("inbound_email", event).payload
        cases = list(_all_cases(moto_store))
        return {"outcome": outcome, "ses_id": ses_id, "raw": f"s3://{media_bucket}/{key}", "cases": cases}

    return deliver


def _all_cases(store):
    items = store.table.scan(FilterExpression="SK = :case", ExpressionAttributeValues={":case": "CASE"})["Items"]
    return sorted(item["reference"] for item in items)


def _only_case(store, delivered):
    [reference] = delivered["cases"]
    return store.cases.get(reference)


def _acks(store, reference):
    return [m for m in store.outbox.for_case(reference) if m.purpose == "acknowledgement"]


def _emails_to(address):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return [m for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages if address in m.destinations]


def test_gmail_message_becomes_a_case_acknowledged_by_email_in_english(mailbox, moto_store):
    delivered = mailbox("01_gmail_plain_en")
    case = _only_case(moto_store, delivered)
    assert delivered["outcome"] == "filed"
    assert case.channel == "email" and case.complainant.email == "daniel.wong.hk@gmail.com"
    assert case.complainant.name == "Daniel Wong" and case.complainant.language == "en"
    assert case.description.startswith("Card cancelled without notice - Pier Road branch\n\nHello,")
    assert "card reissued this week" in case.description and "<div" not in case.description
    assert [a.name for a in case.attachments] == ["original-message.eml"]
    assert case.attachments[0].location == delivered["raw"]
    [ack] = _acks(moto_store, case.reference)
    assert ack.channel == "email" and ack.status == "sent" and f"[{case.reference}]" in ack.subject
    [sent] = _emails_to("daniel.wong.hk@gmail.com")
    assert f"Message-ID: <{ack.id}@harbourcitybank.example>" in sent.raw_data
    events = {e.kind: e for e in moto_store.cases.timeline(case.reference)}
    assert events["email_received"].data["verdicts"]["spf"] == "PASS"
    assert events["email_received"].data["message_id"] == "<CAF3xq9sKp2h8Vd1mQ=Lw7uXGz0rT4nBy@mail.gmail.com>"


def _first_complaint_with_ack(mailbox, moto_store):
    case = _only_case(moto_store, mailbox("01_gmail_plain_en"))
    [ack] = _acks(moto_store, case.reference)
    return case, ack


def test_reply_quoting_our_acknowledgement_joins_the_case_with_the_quote_trimmed(mailbox, moto_store):
    case, ack = _first_complaint_with_ack(mailbox, moto_store)
    delivered = mailbox(
        "02_gmail_reply_quoting_ack", reference=case.reference, ack_message_id=f"{ack.id}@harbourcitybank.example"
    )
    assert delivered["outcome"] == "threaded" and delivered["cases"] == [case.reference]
    [reply] = [e for e in moto_store.cases.timeline(case.reference) if e.kind == "complainant_message"]
    assert (
        reply.text == "I forgot to say: the branch also charged me HKD 50 for the replacement card. Please refund it."
    )
    assert len(_emails_to("daniel.wong.hk@gmail.com")) == 1  # a follow-up is not acknowledged again


def test_reply_to_the_message_id_ses_assigned_also_threads(mailbox, moto_store):
    case, ack = _first_complaint_with_ack(mailbox, moto_store)
    delivered = mailbox(
        "02_gmail_reply_quoting_ack",
        reference="no reference in this subject",
        ack_message_id=f"{ack.provider_id}@email.amazonses.com",
    )
    assert delivered["outcome"] == "threaded" and delivered["cases"] == [case.reference]


def test_outlook_html_message_is_read_as_text(mailbox, moto_store):
    case = _only_case(moto_store, mailbox("03_outlook_html"))
    assert case.complainant.name == "Margaret O'Neill" and case.complainant.email == "m.oneill@harbourlogistics.example"
    assert "applied to a closed savings account instead of loan account 6011-0023-9917" in case.description
    assert "Cambria Math" not in case.description and "mso" not in case.description.lower()


def test_apple_mail_chinese_is_answered_in_chinese(mailbox, moto_store):
    case = _only_case(moto_store, mailbox("04_apple_mail_zh"))
    assert case.complainant.name == "李明" and case.complainant.language == "zh"
    assert case.description.startswith("关于信用卡年费的投诉\n\n您好：")
    [ack] = _acks(moto_store, case.reference)
    assert ack.subject == f"[{case.reference}] 您的投诉已受理" and "李明，您好" in ack.body


def test_foxmail_gbk_message(mailbox, moto_store):
    case = _only_case(moto_store, mailbox("05_foxmail_gbk"))
    assert case.complainant.name == "王芳" and case.complainant.email == "wangfang1987@163.example"
    assert case.description.startswith("对码头路支行柜员服务态度的投诉")
    assert "看不懂字就别来银行" in case.description and case.complainant.language == "zh"


def test_qq_mail_gb18030_prefers_the_plain_part(mailbox, moto_store):
    case = _only_case(moto_store, mailbox("06_qqmail_gb18030_html"))
    assert case.complainant.name == "张伟"
    assert case.description == "自助机吞卡还扣手续费\n\n网银转账自助机吞卡，还被扣了手续费。卡已经两天没有退还。"


def test_big5_message(mailbox, moto_store):
    case = _only_case(moto_store, mailbox("07_big5"))
    assert case.complainant.name == "陳大文" and "擅自更改了我的通訊地址" in case.description


def test_forwarded_complaint_keeps_the_forwarded_words(mailbox, moto_store):
    case = _only_case(moto_store, mailbox("08_forwarded_complaint"))
    assert case.complainant.email == "zhou.min@harbourcitybank.example"
    assert "safe deposit box was opened for inspection without her being present" in case.description
    assert "Forwarded message" in case.description


def _forwarded(case, media_bucket):
    """The case's one forwarded message as stored, and its content read back as a message."""
    from email import message_from_bytes, policy

    [attachment] = [
        a for a in case.attachments if a.content_type == "message/rfc822" and a.name != "original-message.eml"
    ]
    key = attachment.location.removeprefix(f"s3://{media_bucket}/")
    body = boto3.client("s3").get_object(Bucket=media_bucket, Key=key)["Body"].read()
    return attachment, message_from_bytes(body, policy=policy.default)


def test_a_message_forwarded_inline_is_kept_whole_and_its_sender_is_on_the_case(mailbox, moto_store, media_bucket):
    case = _only_case(moto_store, mailbox("08_forwarded_complaint"))
    forwarded, inner = _forwarded(case, media_bucket)
    assert forwarded.name == "customer complaint.eml"
    assert inner["From"] == "Counter intake <counter.pierroad@harbourcitybank.example>"
    assert inner["Date"] == "Mon, 23 Nov 2026 at 10:05" and inner["Subject"] == "customer complaint"
    assert "safe deposit box was opened" in inner.get_content()
    assert [(c.role, c.email) for c in case.related_contacts] == [
        ("original_sender", "counter.pierroad@harbourcitybank.example")
    ]


def test_a_message_forwarded_as_an_attachment_is_kept_with_its_own_headers(mailbox, moto_store, media_bucket):
    original = (
        b"From: =?UTF-8?B?5YiY5aWz5aOr?= <liu.customer@example.net>\r\nDate: Sun, 22 Nov 2026 20:15:00 +0800\r\n"
        b"Subject: =?UTF-8?B?5Y2h6KKr5ZCe?=\r\nMessage-ID: <orig-1@example.net>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=UTF-8\r\n\r\n" + "ATM吞了我的卡，网点不给处理。\r\n".encode()
    )
    raw = (
        b"From: Branch Staff <staff@harbourcitybank.example>\r\nTo: complaints@harbourcitybank.example\r\n"
        b"Subject: Fwd: card kept\r\nMessage-ID: <fwd-2@harbourcitybank.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        b"See the customer's mail attached.\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" + original + b"--b--\r\n"
    )
    case = _only_case(moto_store, mailbox(raw=raw))
    forwarded, inner = _forwarded(case, media_bucket)
    assert forwarded.name == "卡被吞.eml"
    assert inner["From"] == "刘女士 <liu.customer@example.net>"
    assert inner["Date"] == "Sun, 22 Nov 2026 20:15:00 +0800" and inner["Subject"] == "卡被吞"
    assert "ATM吞了我的卡" in case.description
    assert [(c.name, c.email) for c in case.related_contacts] == [("刘女士", "liu.customer@example.net")]


def test_format_flowed_soft_line_breaks_do_not_split_sentences(mailbox, moto_store):
    raw = (
        HEAD
        + b"Content-Type: text/plain; charset=UTF-8; format=flowed; delsp=yes\r\n\r\n"
        + "我在海港路支行办理业务时，柜员态度很 \r\n差，还拒绝给我办理。\r\n".encode()
    )
    case = _only_case(moto_store, mailbox(raw=raw))
    assert "柜员态度很差，还拒绝给我办理。" in case.description
    raw_keep = HEAD.replace(b"hostile@", b"flowed2@") + (
        b"Content-Type: text/plain; charset=UTF-8; format=flowed\r\n\r\nThe teller was rude and \r\n"
        b"refused to help.\r\n>> quoted \r\n>> line\r\n"
    )
    delivered = mailbox(raw=raw_keep)
    second = moto_store.cases.get(delivered["cases"][-1]) if len(delivered["cases"]) > 1 else None
    words = (second or case).description
    assert "The teller was rude and refused to help." in words


def test_attachment_names_are_limited_in_utf8_bytes_keeping_the_extension(mailbox, moto_store):
    from email.header import Header

    name = "投诉材料" * 60 + ".pdf"  # 240 characters, 724 bytes in UTF-8
    encoded = Header(name, "utf-8").encode()
    raw = (
        HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        b'Attached.\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="'
        + encoded.encode()
        + b'"\r\n\r\n%PDF-1.4\r\n--b--\r\n'
    )
    case = _only_case(moto_store, mailbox(raw=raw))
    [stored] = [a for a in case.attachments if a.content_type == "application/pdf"]
    assert stored.name.endswith(".pdf") and len(stored.name.encode()) <= 255
    assert (
        stored.name.startswith("投诉材料") and len(stored.name.encode()) > 240
    )  # cut at the limit, not at 120 characters


def test_bounce_makes_no_case_and_no_acknowledgement_but_is_kept(mailbox, moto_store):
    delivered = mailbox("09_bounce")
    assert delivered["outcome"] == "quarantined" and delivered["cases"] == []
    [kept] = moto_store.abuse.quarantined("email")
    assert kept["reason"] == "bounce" and kept["payload"]["raw"] == delivered["raw"]
    assert _emails_to("mailer-daemon@amazonses.com") == []


def test_out_of_office_reply_is_noted_on_the_case_without_an_answer(mailbox, moto_store):
    case, ack = _first_complaint_with_ack(mailbox, moto_store)
    delivered = mailbox(
        "10_out_of_office", reference=case.reference, ack_message_id=f"{ack.id}@harbourcitybank.example"
    )
    assert delivered["outcome"] == "noted" and delivered["cases"] == [case.reference]
    assert [e.kind for e in moto_store.cases.timeline(case.reference)].count("email_auto_reply") == 1
    assert len(_emails_to("daniel.wong.hk@gmail.com")) == 1


def test_pdf_and_inline_image_are_stored_with_names_and_types(mailbox, moto_store, media_bucket):
    case = _only_case(moto_store, mailbox("11_pdf_and_image"))
    stored = {a.name: a for a in case.attachments}
    assert set(stored) == {"original-message.eml", "receipt.png", "statement-2026-11.pdf"}
    assert stored["receipt.png"].content_type == "image/png" and stored["receipt.png"].size == 70
    pdf = stored["statement-2026-11.pdf"]
    key = pdf.location.split("/", 3)[3]
    assert boto3.client("s3").get_object(Bucket=media_bucket, Key=key)["Body"].read().startswith(b"%PDF-1.4")
    assert "dispensed 2,000 but my statement shows 3,000" in case.description


def test_html_only_message_becomes_safe_text(mailbox, moto_store):
    case = _only_case(moto_store, mailbox("12_html_only"))
    assert "You charged an overdraft fee of 35.00\nalthough my balance never went below zero." in case.description
    assert "Please refund it & explain." in case.description
    for unsafe in ("document.cookie", "<script", "ignore me", "color:red", "tracker.example", "onclick"):
        assert unsafe not in case.description


def test_broken_mime_boundary_still_gives_the_text_and_records_the_defect(mailbox, moto_store):
    case = _only_case(moto_store, mailbox("13_malformed_boundary"))
    assert "changed from 2.1% to 1.8% before maturity" in case.description
    received = next(e for e in moto_store.cases.timeline(case.reference) if e.kind == "email_received")
    assert "MIME defect: StartBoundaryNotFoundDefect" in received.data["problems"]


def test_mislabelled_charset_is_read_correctly(mailbox, moto_store):
    case = _only_case(moto_store, mailbox("14_wrong_charset_label"))
    assert case.description.endswith("排队等了三个小时，只开了一个窗口。") and "\ufffd" not in case.description


def test_mailing_list_mail_is_quarantined_without_an_answer(mailbox, moto_store):
    delivered = mailbox("15_mailing_list")
    assert delivered["outcome"] == "quarantined" and moto_store.abuse.quarantined("email")[0]["reason"] == "bulk"
    assert _emails_to("news@marketing-list.example") == []


def test_new_message_naming_an_own_reference_in_the_subject_joins_that_case(mailbox, moto_store):
    first = _only_case(moto_store, mailbox("04_apple_mail_zh"))
    delivered = mailbox("16_subject_reference_followup", reference=first.reference)
    assert delivered["outcome"] == "threaded" and delivered["cases"] == [first.reference]
    stranger = mailbox(
        "16_subject_reference_followup",
        reference=first.reference,
        raw=(CORPUS / "16_subject_reference_followup.eml")
        .read_bytes()
        .replace(b"liming.sz@icloud.com", b"someone.else@icloud.com"),
    )
    assert stranger["outcome"] == "filed" and len(stranger["cases"]) == 2  # not the stranger's case


def test_mail_from_our_own_address_is_never_answered(mailbox, moto_store):
    delivered = mailbox("17_own_address_loop")
    assert delivered["outcome"] == "quarantined" and moto_store.abuse.quarantined("email")[0]["reason"] == "own-address"
    assert _emails_to(MAILBOX) == []


def test_virus_flagged_mail_is_quarantined_and_spam_is_filed_without_an_answer(mailbox, moto_store):
    virus = mailbox("01_gmail_plain_en", verdicts={"virus": "FAIL"})
    assert virus["outcome"] == "quarantined" and virus["cases"] == []
    assert moto_store.abuse.quarantined("email")[0]["payload"]["verdicts"]["virus"] == "FAIL"
    spam = mailbox("03_outlook_html", verdicts={"spam": "FAIL"})
    case = _only_case(moto_store, spam)
    assert _acks(moto_store, case.reference) == []
    received = next(e for e in moto_store.cases.timeline(case.reference) if e.kind == "email_received")
    assert received.data["verdicts"]["spam"] == "FAIL"


def test_the_same_ses_message_delivered_twice_makes_one_case(mailbox, moto_store):
    first = mailbox("05_foxmail_gbk", ses_id="ses-duplicate-0001")
    second = mailbox("05_foxmail_gbk", ses_id="ses-duplicate-0001")
    assert first["outcome"] == "filed" and second["outcome"] == "duplicate"
    assert len(second["cases"]) == 1 and len(_emails_to("wangfang1987@163.example")) == 1


# -- hostile and oversized mail: bounded work, a clear record, nothing lost ------------------------
HEAD = (
    b"From: Test Sender <sender@example.net>\r\nTo: complaints@harbourcitybank.example\r\n"
    b"Subject: hostile test\r\nMessage-ID: <hostile@example.net>\r\nMIME-Version: 1.0\r\n"
)


def _problems(store, case):
    return next(e for e in store.cases.timeline(case.reference) if e.kind == "email_received").data["problems"]


def test_30_mb_message_is_registered_from_its_headers_and_points_to_the_raw(mailbox, moto_store):
    raw = HEAD + b"Content-Type: text/plain\r\n\r\n" + b"A" * (30 * 1024 * 1024)
    delivered = mailbox(raw=raw)
    case = _only_case(moto_store, delivered)
    assert case.description == "hostile test" and case.attachments[0].location == delivered["raw"]
    assert case.attachments[0].size > 30_000_000
    assert any("too large to read automatically" in problem for problem in _problems(moto_store, case))


def test_message_with_500_parts_reads_a_bounded_number(mailbox, moto_store):
    parts = b"".join(
        b'--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="n%d.txt"\r\n\r\n'
        b"note %d\r\n" % (n, n)
        for n in range(500)
    )
    raw = (
        HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        b"Five hundred notes attached.\r\n" + parts + b"--b--\r\n"
    )
    case = _only_case(moto_store, mailbox(raw=raw))
    assert case.description.endswith("Five hundred notes attached.")
    assert len(case.attachments) == 1 + 20  # the raw message, then the first 20 attachments
    problems = _problems(moto_store, case)
    assert any("more than 200 MIME parts" in p for p in problems) and any("over the limits" in p for p in problems)


def test_deeply_nested_multiparts_do_not_crash(mailbox, moto_store):
    depth = 3000
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    raw += b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i - 1, i) for i in range(1, depth)
    )
    raw += b"--b%d\r\nContent-Type: text/plain\r\n\r\nhello\r\n" % (depth - 1)
    delivered = mailbox(raw=raw)
    case = _only_case(moto_store, delivered)
    assert case.attachments[0].location == delivered["raw"]
    assert any("structure could not be read" in p for p in _problems(moto_store, case))


def test_dangerous_attachment_names_are_made_safe(mailbox, moto_store):
    names = ["../../../../etc/passwd", "invoice.pdf\x00.exe", "A" * 5000 + ".zip", "..\\..\\boot.ini"]
    parts = b"".join(
        b'--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="'
        + name.encode()
        + b'"\r\n\r\nPK\x03\x04\r\n'
        for name in names
    )
    raw = (
        HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        b"Zip attached.\r\n" + parts + b"--b--\r\n"
    )
    case = _only_case(moto_store, mailbox(raw=raw))
    stored = [a for a in case.attachments if a.name != "original-message.eml"]
    assert [a.name for a in stored][:2] == ["passwd", "invoice.pdf.exe"]
    assert all(
        len(a.name.encode()) <= 255 and "/" not in a.name and "\\" not in a.name and "\x00" not in a.name
        for a in stored
    )
    assert stored[2].name.endswith(".zip")
    assert all("/../" not in a.location for a in stored)


def test_header_injection_in_a_name_reaches_nothing(mailbox, moto_store):
    import base64

    evil = base64.b64encode(b"Evil\r\nBcc: victim@example.org\r\n").decode()
    raw = (
        f"From: =?utf-8?B?{evil}?= <injector@example.net>\r\nTo: complaints@harbourcitybank.example\r\n"
        "Subject: =?utf-8?B?" + base64.b64encode(b"Hi\r\nBcc: victim@example.org").decode() + "?=\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nPlease call me back about my loan.\r\n"
    ).encode()
    case = _only_case(moto_store, mailbox(raw=raw))
    assert "\n" not in case.complainant.name and "\r" not in case.complainant.name
    [sent] = _emails_to("injector@example.net")
    assert "victim@example.org" not in sent.destinations
    assert "\r\nBcc:" not in sent.raw_data and "\nBcc:" not in sent.raw_data


def test_administrators_can_list_quarantined_mail(mailbox, moto_store, capsys):
    from infra.__main__ import main

    mailbox("01_gmail_plain_en", verdicts={"virus": "FAIL"})
    assert main(["quarantine", "email", "--table", moto_store.name]) == 0
    out, err = capsys.readouterr()
    assert '"reason": "virus"' in out and "1 quarantined email item(s)" in err


def test_a_reply_to_an_email_complainant_is_a_real_email(client, moto_store, twilio, media_bucket):
    """multipart/alternative with text and HTML, the reference once in the subject and no 【, the
    institution's full name and the status link - not the SMS text."""
    import email as email_parser
    import email.policy
    import re
    from datetime import datetime, timezone

    from chalicelib.edge import dependencies as context
    from chalicelib.runtime import environment
    from chalicelib.staff.actions import reply

    complaint = {"description": "您好，网银转账被扣了两次手续费", "email": "wang.fang@example.com", "name": "王芳"}
    response = client.http.post(
        "/api/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(complaint)
    )
    reference = json.loads(response.body)["reference"]
    handed = []  # the raw MIME exactly as SES is given it
    environment.aws_client("ses").meta.events.register(
        "provide-client-params.ses.SendRawEmail", lambda params, **_: handed.append(params["RawMessage"]["Data"])
    )
    words = "已核实，多扣的手续费将于三个工作日内退回。"
    reply(context.current(), reference, "staff:chen.jing", words, datetime.now(timezone.utc))
    parsed = email_parser.message_from_bytes(handed[-1], policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Subject"].count(reference) == 1 and "【" not in parsed["Subject"]
    plain = parsed.get_body(preferencelist=("plain",)).get_content()
    page = parsed.get_body(preferencelist=("html",)).get_content()
    assert plain.startswith("王芳，您好：") and "【" not in plain and "海港城市商业银行" in plain
    assert f"complaints/status?ref={reference}" in plain and re.search(r'<a href="[^"]+status\?ref=', page)
    assert words in plain and words in page
