"""SMS cost: GSM-7 / UCS-2 segment counting, and acknowledgements within their budget."""

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.notify.segments import encoding, segments


def test_gsm7_and_ucs2_segment_boundaries():
    assert (segments("a" * 160), segments("a" * 161), segments("a" * 306), segments("a" * 307)) == (1, 2, 2, 3)
    assert (segments("投" * 70), segments("投" * 71), segments("投" * 134), segments("投" * 135)) == (1, 2, 2, 3)
    assert encoding("Ref HCB-261100427 {ok}") == "GSM-7" and segments("{" * 80) == 1 and segments("{" * 81) == 2
    assert encoding("café") == "GSM-7"  # é is in GSM-7 basic set
    assert encoding("naïve") == "UCS-2" and segments("😡" * 35) == 1 and segments("😡" * 36) == 2


@pytest.mark.parametrize("language,budget", [("en", 1), ("zh", 2)])
def test_acknowledgements_fit_their_segment_budget_on_every_day_and_longest_reference(institution, language, budget):
    from chalicelib.model.case import Case, Complainant
    from chalicelib.notify.complainant import sms_acknowledgement
    from chalicelib.sla.deadlines import opening_clocks

    start = datetime(2026, 11, 23, 1, 30, tzinfo=timezone.utc)
    for day in range(14):
        received = start + timedelta(days=day, hours=day)
        case = Case(
            reference="HCB-2612999999",
            channel="sms",
            description="x",
            received_at=received,
            complainant=Complainant(phone="+8613800138000", language=language),
            clocks=opening_clocks(institution, received),
        )
        text = sms_acknowledgement(case, institution)
        assert "HCB-2612999999" in text
        assert segments(text) <= budget, (segments(text), text)
