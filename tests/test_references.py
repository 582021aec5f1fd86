"""Reference numbers: short, keypad-friendly, self-checking."""

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.model.references import find_references, format_reference, normalise_reference

MONTH = datetime(2026, 11, 23)


def test_reference_has_prefix_month_sequence_and_check_digit_within_14_characters():
    reference = format_reference("HCB", MONTH, 42)
    assert reference.startswith("HCB-26110042") and len(reference) == 13
    assert len(format_reference("HCB", MONTH, 99_999)) == 14
    assert reference.split("-")[1].isdigit()  # typed on a phone keypad without switching modes


@given(sequence=st.integers(1, 99_999), position=st.integers(0, 9), replacement=st.integers(0, 9))
def test_any_single_wrong_digit_is_caught_before_lookup(sequence, position, replacement):
    reference = format_reference("HCB", MONTH, sequence)
    digits = reference.split("-")[1]
    position %= len(digits)
    if digits[position] == str(replacement):
        return
    typo = "HCB-" + digits[:position] + str(replacement) + digits[position + 1 :]
    assert normalise_reference(typo) is None


@given(sequence=st.integers(1, 99_999), position=st.integers(0, 9))
def test_any_swap_of_adjacent_digits_is_caught(sequence, position):
    digits = format_reference("HCB", MONTH, sequence).split("-")[1]
    position %= len(digits) - 1
    if digits[position] == digits[position + 1]:
        return
    swapped = digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :]
    assert normalise_reference("HCB" + swapped) is None


def test_references_are_recognised_however_people_type_them():
    reference = format_reference("HCB", MONTH, 7)
    spaced = "hcb " + " ".join(reference.split("-")[1])
    assert normalise_reference(spaced) == reference
    full_width = "ＨＣＢ－" + "".join(chr(ord(d) + 0xFEE0) for d in reference.split("-")[1])
    assert normalise_reference(full_width) == reference
    assert find_references(f"关于投诉{reference}的补充：还是没有解决") == [reference]
    assert find_references("my account 6222021234567890123 is blocked") == []
