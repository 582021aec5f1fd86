"""Routing (归口办理): every case has an owning unit from the institution's `routing` section, and
the chain copied onto it is built from that unit."""

import json

import pytest

from support import sms_params, twilio_post


def _file(client, category: str, phone: str) -> dict:
    body = {"description": "The branch charged me a fee nobody told me about", "category": category, "phone": phone}
    response = client.http.post("/api/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)


@pytest.mark.parametrize("slug", ["harbour-city-bank", "riverside-hospital"])
def test_each_example_category_routes_to_the_unit_its_config_names(slug):
    from chalicelib.model.routing import route
    from infra import config

    institution = config.load(slug)
    routing = institution.routing
    units = {unit.code for unit in institution.units}
    for category in institution.categories:
        unit = route(routing, category.code, None)
        assert unit in units and unit == routing.categories.get(category.code, routing.default_unit)
    assert route(routing, None, None) == routing.default_unit


def test_a_case_is_owned_by_its_categorys_unit_and_alerts_go_up_that_units_line(client, moto_store, twilio):
    """A product complaint belongs to branch service management: its handler is that unit's
    officer, its supervisor the unit head, the level above the head office's head; a complaint no
    rule routes stays at the branch, with the chain the escalation section names."""
    product = moto_store.cases.get(_file(client, "product", "+8613800138701")["reference"])
    assert product.unit == "branch-service-management"
    assert [
        (member.role, member.primary.id, member.backup.id if member.backup else None) for member in product.chain
    ] == [
        ("handler", "zheng.hao", None),
        ("supervisor", "sun.li", None),
        ("manager", "he.jun", None),
        ("director", "he.jun", "ma.lin"),
    ]
    [received] = [e for e in moto_store.cases.timeline(product.reference) if e.kind == "received"]
    assert received.data["unit"] == "branch-service-management"
    attitude = moto_store.cases.get(_file(client, "service_attitude", "+8613800138702")["reference"])
    assert attitude.unit == "pier-road-branch"
    assert [(m.primary.id, m.backup.id) for m in attitude.chain[:3]] == [
        ("chen.jing", "zhou.min"),
        ("li.qiang", "wu.hong"),
        ("sun.li", "zheng.hao"),
    ]


def test_the_number_a_text_came_in_on_routes_it_and_a_category_rule_comes_first(
    client, moto_store, twilio, institution
):
    document = json.loads(institution.model_dump_json())
    document["routing"]["entry_points"] = {"+8675512340000": "head-office-service-supervision"}
    moto_store.config.put(document)
    from chalicelib.edge import dependencies
    from chalicelib.model.routing import Routing, route

    dependencies.reset()
    twilio_post(client, "/twilio/sms", sms_params("+8613800138703", "The ATM on Harbour Road ate my card"))
    [reference] = moto_store.cases.open_for_contact("+8613800138703")
    assert moto_store.cases.get(reference).unit == "head-office-service-supervision"
    rules = Routing.model_validate(document["routing"])
    assert route(rules, "product", "+8675512340000") == "branch-service-management"


def test_validation_names_a_routing_to_nowhere(institution):
    from pydantic import ValidationError

    from chalicelib.model.institution import Institution

    document = json.loads(institution.model_dump_json())
    document["routing"] = {"categories": {"product": "no-such-unit", "nonsense": "pier-road-branch"}}
    with pytest.raises(ValidationError) as refused:
        Institution.model_validate(document)
    message = str(refused.value)
    assert "routing.categories.product: 'no-such-unit' is not a unit under units" in message
    assert "routing.categories.nonsense: not a category code" in message
    assert "route nowhere; give them a unit or set default_unit" in message and "'work_error'" in message
