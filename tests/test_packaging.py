"""The deployment zip Chalice builds carries the templates and everything the code imports:
unzipped into an empty folder, it renders pages and loads the Twilio client with no site-packages."""

import json
import subprocess
import sys
import zipfile

PROBE = r"""
import sys
sys.path.insert(0, sys.argv[1])
import app
from chalicelib.runtime.rendering import render_page, render_message
from chalicelib.model.institution import Institution
from twilio.rest import Client
from twilio.request_validator import RequestValidator
from chalicelib.intake.mime import parse
assert "hello" in parse(b"Content-Type: text/html\r\n\r\n<p>hello</p><script>x</script>").text
assert app.app.app_name == "complaint-hotline"
page = render_page("new", "zh", root="./", institution_name="<测试>", values={}, errors={}, banner=None,
                   categories=[], allow_anonymous=True, max_text=5000, form_token="t")
assert "我要投诉" in page and "&lt;测试&gt;" in page, page[:300]
assert "HCB-1" in render_message("acknowledgement_sms", "en", institution="X", reference="HCB-1", expected="Mon")
print("packaged app OK", Client.__name__, RequestValidator.__name__)
"""


def test_deployment_zip_renders_pages_from_its_own_templates(packaged_stacks, tmp_path):
    bundle = packaged_stacks["harbour-city-bank"] / "deployment.zip"
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(unpacked)
        names = archive.namelist()
    assert "templates/pages/new.html" in names and "templates/texts/zh.json" in names
    assert not any(name.startswith("aiohttp/") for name in names)
    assert not any(name.startswith("tencentcloud/sms/v20190711/") for name in names)  # only the API we call
    # The config the functions fall back on when the table cannot be read: this stack's own.
    assert json.loads((unpacked / "institution.json").read_text())["slug"] == "harbour-city-bank"
    assert bundle.stat().st_size < 10 * 1024 * 1024
    result = subprocess.run(
        [sys.executable, "-S", "-c", PROBE, str(unpacked)],
        cwd=unpacked,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "packaged app OK" in result.stdout
