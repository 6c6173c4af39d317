"""Real Amazon Bedrock judged against what the project believes (scripts/live.sh; opt-in).

Every request Bedrock refused in the recorded traffic (tests/fixtures/realcases) is sent to it
again: it must still refuse each in the same words, or the stand-in's judge
(tests/bedrock-local) has fallen behind Bedrock. Refused requests are not billed. And boto3,
through the relay, parses real Bedrock's stream.
"""

import json
import os
import pathlib
import urllib.error
import urllib.parse
import urllib.request

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "realcases"
CASES = [c for c in json.loads((ROOT / "index.json").read_text())["cases"] if c["category"] == "rejected"]
REGION = os.environ["AWS_REGION"]
ENDPOINT = os.environ.get("BEDROCK_ENDPOINT") or f"https://bedrock-runtime.{REGION}.amazonaws.com"


def send_as_recorded(model_id, operation, body):
    """POSTs the recorded bytes unchanged, signed as boto3 signs (or with the Bedrock API key)."""
    path = "converse-stream" if operation == "ConverseStream" else "converse"
    url = f"{ENDPOINT}/model/{urllib.parse.quote(model_id, safe='')}/{path}"
    request = AWSRequest("POST", url, data=body, headers={"content-type": "application/json"})
    if os.environ.get("AWS_BEARER_TOKEN_BEDROCK"):
        request.headers["authorization"] = f"Bearer {os.environ['AWS_BEARER_TOKEN_BEDROCK']}"
    else:
        SigV4Auth(boto3.Session().get_credentials(), "bedrock", REGION).add_auth(request)
    prepared = request.prepare()
    sent = urllib.request.Request(prepared.url, data=body, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(sent) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bedrock_still_refuses_what_it_refused_in_the_same_words(case):
    body = (ROOT / case["files"]["request"]).read_bytes()
    status, headers, answer = send_as_recorded(case["model_id"], case["operation"], body)
    recorded = json.loads((ROOT / case["files"]["error"]).read_text())
    assert status == recorded["status"]
    error_type = {k.lower(): v for k, v in headers.items()}.get("x-amzn-errortype", "")
    assert error_type.split(":")[0] == "ValidationException"
    assert json.loads(answer)["message"] == recorded["message"]


def test_boto3_through_the_relay_reads_real_bedrocks_stream():
    relay = boto3.client(
        "bedrock-runtime",
        endpoint_url=os.environ["RELAY_URL"],
        region_name=REGION,
        verify=False,
        aws_access_key_id=os.environ["RELAY_KEY_ID"],
        aws_secret_access_key=os.environ["RELAY_KEY_SECRET"],
        aws_session_token=None,
    )
    stream = relay.converse_stream(
        modelId=os.environ["LIVE_MODEL"],
        messages=[{"role": "user", "content": [{"text": "Say hi."}]}],
        inferenceConfig={"maxTokens": 16},
    )["stream"]
    events = [list(event)[0] for event in stream]
    assert events[0] == "messageStart" and events[-1] == "metadata"
