"""Who may see a case (issue 17's scopes), decided in one place for every route that shows one:
leadership (the leadership level of the escalation chain, and the heads of the top units) sees
every case; a unit head sees the cases of their unit and of the units below it; anyone else sees
the cases they are assigned to or named on in the case's chain (on duty included). Nobody sees a case that complains
about them (回避), by any route, whatever else would let them. Pure."""

from chalicelib.model.case import Case
from chalicelib.model.institution import Institution, StaffMember
from chalicelib.model.queue import NO_UNIT


def complained_about(member: StaffMember, case: Case) -> bool:
    """The person is named in what the complaint is about (回避): the same test a reassignment uses."""
    words = f"{case.subject or ''} {case.description}"
    return member.name in words or member.id in words


def is_leadership(institution: Institution, member: StaffMember) -> bool:
    escalation = institution.escalation
    if escalation is not None:
        level = escalation.chain[escalation.level(escalation.leadership_role)]
        if member.id in {level.primary, level.backup, *(duty.staff for duty in level.on_duty)}:
            return True
    return any(unit.head == member.id and unit.parent is None for unit in institution.units)


def heads_above(institution: Institution, unit_code: str | None) -> set[str]:
    """The heads of this unit and of every unit above it."""
    return {unit.head for unit in institution.unit_line(unit_code)}


def can_see(institution: Institution, member: StaffMember | None, case: Case) -> bool:
    if member is None or complained_about(member, case):
        return False
    if is_leadership(institution, member) or member.id in heads_above(institution, case.unit):
        return True
    named = {case.assignee} | {
        person.id
        for level in case.chain
        for person in (level.primary, level.backup, *(duty for duty, _ in level.on_duty))
        if person
    }
    return member.id in named


def units_below(institution: Institution, code: str) -> list[str]:
    """The unit and every unit under it, the unit first."""
    found = [code]
    for unit in found:  # grows while it is walked: breadth first, each unit once
        found += [child.code for child in institution.units if child.parent == unit and child.code not in found]
    return found


def queue_sources(institution: Institution, member: StaffMember) -> list[tuple[str, str]]:
    """Where a person's queue is read from - the same scope as can_see, as index partitions:
    leadership every unit (and cases of no unit), a unit head the units they head and those below
    them, anyone else the cases assigned to them."""
    if is_leadership(institution, member):
        return [("unit", unit.code) for unit in institution.units] + [("unit", NO_UNIT)]
    headed = [unit.code for unit in institution.units if unit.head == member.id]
    if headed:
        codes = list(dict.fromkeys(code for top in headed for code in units_below(institution, top)))
        return [("unit", code) for code in codes]
    return [("assignee", member.id)]
