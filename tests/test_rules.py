"""Pure rules: languages, the status lifecycle, masking, institution config errors, emails."""

import email
import email.policy

import pytest

from chalicelib.model.lifecycle import InvalidTransition, is_open, transition
from chalicelib.runtime.language import choose, from_accept_language, from_text
from chalicelib.runtime.logs import mask_email, mask_phone, mask_text


def test_language_follows_what_the_complainant_wrote_then_their_browser():
    assert from_text("我的卡被吞了 ATM") == "zh"
    assert from_text("My card was swallowed") == "en"
    assert from_text("12345 !!") is None
    assert from_accept_language("fr-FR,en;q=0.8,zh-CN;q=0.9") == "zh"
    assert from_accept_language("de-DE") is None
    assert choose(None, from_text("12345"), "en", default="zh") == "en"


def test_lifecycle_allows_the_handling_path_and_refuses_shortcuts():
    status = "received"
    for target in ("acknowledged", "in_progress", "responded", "resolved", "closed", "reopened", "in_progress"):
        status = transition(status, target)
    with pytest.raises(InvalidTransition, match="closed cannot become in_progress"):
        transition("closed", "in_progress")
    with pytest.raises(InvalidTransition):
        transition("not_accepted", "resolved")
    assert is_open("reopened") and not is_open("not_accepted")


def test_contacts_are_masked_in_logs():
    assert mask_phone("+8613800138000") == "+*********8000"
    assert mask_email("li.wei@example.com") == "l***@example.com"
    line = mask_text('{"to": "+8613800138000", "email": "li.wei@example.com"}')
    assert "13800138000" not in line and "li.wei" not in line


def test_config_errors_name_the_file_and_the_field(tmp_path):
    from infra import config

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "slug: bad-bank\nname: {zh: 坏银行}\nreference_prefix: bank1\n"
        "calendar: {timezone: Mars/Olympus, weekend: [7]}\nclocks: {respond: {amount: 0, unit: working_days}}\n"
        "colour: red\n",
        encoding="utf-8",
    )
    with pytest.raises(config.ConfigError) as error:
        config.load(str(bad))
    message = str(error.value)
    assert str(bad) in message
    for expected in (
        "name.en: Field required",
        "reference_prefix:",
        "calendar.timezone: unknown time zone",
        "calendar.weekend:",
        "clocks.respond.amount:",
        "colour: Extra inputs are not permitted",
    ):
        assert expected in message


def test_acknowledgement_email_is_a_real_mime_message_with_the_reference_in_a_chinese_subject(institution):
    from datetime import datetime, timezone

    from chalicelib.model.message import OutboundMessage
    from chalicelib.notify.ses import build_email

    now = datetime(2026, 11, 23, tzinfo=timezone.utc)
    message = OutboundMessage(
        id="m2",
        channel="email",
        to="wang@example.com",
        subject="[HCB-261100427] 您的投诉已受理",
        body="王先生，您好：\n投诉编号 HCB-261100427",
        purpose="acknowledgement",
        language="zh",
        created_at=now,
        case_reference="HCB-261100427",
    )
    parsed = email.message_from_bytes(
        build_email(message, institution.name.zh, institution.channels.email_address).as_bytes(),
        policy=email.policy.default,
    )
    assert parsed["Subject"] == "[HCB-261100427] 您的投诉已受理"
    assert parsed["From"].addresses[0].display_name == "海港城市商业银行"
    assert parsed["Auto-Submitted"] == "auto-generated" and parsed["Message-ID"].endswith("@harbourcitybank.example>")
    assert parsed.get_content_type() == "multipart/alternative"  # a real email: text and HTML
    assert "投诉编号 HCB-261100427" in parsed.get_body(preferencelist=("plain",)).get_content()
    assert "投诉编号 HCB-261100427" in parsed.get_body(preferencelist=("html",)).get_content()


def test_references_and_message_ids_stay_readable_in_logs():
    line = mask_text('{"reference": "HCB-261100427", "message": "20261123020000a1b2c3d4", "to": "13800138000"}')
    assert "HCB-261100427" in line and "20261123020000a1b2c3d4" in line and "13800138000" not in line
