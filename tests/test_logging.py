"""Logging that reaches CloudWatch: every function writes Lambda's JSON log format at INFO."""
import json

import pytest

EXAMPLES = ("harbour-city-bank", "riverside-hospital")


# --- The functions' LoggingConfig ------------------------------------------------------------

@pytest.mark.parametrize("slug", EXAMPLES)
def test_every_function_in_the_merge_template_logs_json_at_info(slug):
    from infra import config, render

    resources = render.merge_template(config.load_file(slug))["Resources"]
    functions = {name: item for name, item in resources.items() if "FunctionName" in item.get("Properties", {})}
    assert set(functions) == set(render.LOGICAL_IDS.values())
    for name, function in functions.items():
        logging_config = function["Properties"]["LoggingConfig"]
        assert (logging_config["LogFormat"], logging_config["ApplicationLogLevel"]) == ("JSON", "INFO"), name
        assert logging_config["SystemLogLevel"] == "WARN"
        log_group = resources[f"{name}LogGroup"]
        assert logging_config["LogGroup"] == log_group["Properties"]["LogGroupName"]
        assert f"{name}LogGroup" in function["DependsOn"]


@pytest.mark.parametrize("slug", EXAMPLES)
def test_the_packaged_functions_keep_the_logging_config(packaged_stacks, slug):
    template = json.loads((packaged_stacks[slug] / "sam.json").read_text())
    functions = [item for item in template["Resources"].values() if item["Type"] == "AWS::Serverless::Function"]
    assert len(functions) == 4
    assert all(item["Properties"]["LoggingConfig"]["LogFormat"] == "JSON" for item in functions)
