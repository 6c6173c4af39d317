"""The official AWS SDK for Python, unchanged, against the stand-in and through the relay.

If boto3 parses our responses, events and errors, so will every SDK generated from the same
service model.
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request

import boto3
import botocore
import botocore.eventstream
import pytest
from botocore.config import Config

STANDIN_URL = os.environ["STANDIN_URL"]
RELAY_URL = os.environ["RELAY_URL"]
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0"
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def client(endpoint, secret=None, token=None, **kwargs):
    """The stand-in takes its own credentials; the relay takes a relay key as SigV4 credentials."""
    if endpoint == RELAY_URL:
        key_id, secret, token = os.environ["RELAY_KEY_ID"], secret or os.environ["RELAY_KEY_SECRET"], None
    else:
        key_id = os.environ["STANDIN_ACCESS_KEY_ID"]
        secret = secret or os.environ["STANDIN_SECRET_ACCESS_KEY"]
        token = token or os.environ["STANDIN_SESSION_TOKEN"]
    kwargs.setdefault("region_name", "us-east-1")
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=endpoint,
        verify=False,  # the local relay's certificate is wrangler's self-signed one
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=NO_RETRIES,
        **kwargs,
    )


def user(text):
    return [{"role": "user", "content": [{"text": text}]}]


@pytest.fixture(params=["stand-in", "relay"])
def bedrock(request):
    """The same checks against the stand-in directly and through the relay."""
    return client(STANDIN_URL if request.param == "stand-in" else RELAY_URL)


def test_converse_is_parsed(bedrock):
    reply = bedrock.converse(
        modelId=MODEL,
        messages=user("hello sdk"),
        system=[{"text": "Be brief."}],
        inferenceConfig={"maxTokens": 4, "temperature": 0.2},
    )
    assert reply["output"]["message"]["content"][0]["text"] == "You said: “hello sdk”. "
    assert reply["stopReason"] == "max_tokens"
    assert reply["usage"] == {"inputTokens": 4, "outputTokens": 4, "totalTokens": 8}
    assert reply["metrics"]["latencyMs"] >= 0


def test_converse_stream_events_are_parsed(bedrock):
    stream = bedrock.converse_stream(
        modelId=ARN, messages=user("stream please"), inferenceConfig={"stopSequences": ["stand-in"]}
    )["stream"]
    events = list(stream)
    names = [next(iter(e)) for e in events]
    assert names[0] == "messageStart" and names[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
    assert text == "You said: “stream please”. (Local Bedrock "
    assert events[-2]["messageStop"]["stopReason"] == "stop_sequence"
    assert events[-1]["metadata"]["usage"]["outputTokens"] == names.count("contentBlockDelta")


def test_validation_errors_are_parsed(bedrock):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        bedrock.converse(modelId=MODEL, messages=user("a") + user("b"))
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "alternate between user and assistant" in e.value.response["Error"]["Message"]


def test_a_project_is_sent_by_the_sdk_and_judged_as_bedrock_does():
    """boto3 (≥ 1.44.8) sends projectIdentifier; the stand-in takes a project for a foundation
    model and refuses it for an application inference profile, as the API reference says."""
    standin = client(STANDIN_URL)
    reply = standin.converse(modelId=MODEL, messages=user("hi"), projectIdentifier="team-b")
    assert reply["stopReason"] == "end_turn"
    profile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
    with pytest.raises(standin.exceptions.ValidationException) as e:
        standin.converse(modelId=profile, messages=user("hi"), projectIdentifier="team-b")
    assert "non-default projects" in e.value.response["Error"]["Message"]


def test_the_relay_bills_only_to_projects_the_deployer_lists():
    relay = client(RELAY_URL)
    assert relay.converse(modelId=MODEL, messages=user("hi"), projectIdentifier="team-b")["stopReason"] == "end_turn"
    with pytest.raises(relay.exceptions.AccessDeniedException):
        relay.converse_stream(modelId=MODEL, messages=user("hi"), projectIdentifier="someone-elses")


SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0"


def test_count_tokens_is_parsed_and_matches_what_converse_bills(bedrock):
    """CountTokens, SigV4-signed by boto3: a foundation model's count is what Converse bills for
    the same input (https://docs.aws.amazon.com/bedrock/latest/userguide/count-tokens.html)."""
    system, messages = [{"text": "Be brief."}], user("count the tokens of this")
    counted = bedrock.count_tokens(modelId=SONNET_4, input={"converse": {"system": system, "messages": messages}})
    billed = bedrock.converse(modelId="us." + SONNET_4, system=system, messages=messages)
    assert counted["inputTokens"] == billed["usage"]["inputTokens"] > 0


def test_count_tokens_refuses_inference_profiles_in_bedrocks_words(bedrock):
    with pytest.raises(bedrock.exceptions.ValidationException) as e:
        bedrock.count_tokens(modelId="us." + SONNET_4, input={"converse": {"messages": user("hi")}})
    assert e.value.response["Error"]["Message"] == "The provided model doesn't support counting tokens."


def test_the_relay_counts_only_for_models_it_offers():
    opus_4 = "anthropic.claude-opus-4-20250514-v1:0"  # counted by Bedrock; no profile of it offered here
    assert client(STANDIN_URL).count_tokens(modelId=opus_4, input={"converse": {"messages": user("hi")}})["inputTokens"] == 1
    relay = client(RELAY_URL)
    with pytest.raises(relay.exceptions.AccessDeniedException):
        relay.count_tokens(modelId=opus_4, input={"converse": {"messages": user("hi")}})


def test_the_relay_refuses_a_service_tier_it_does_not_offer():
    """The test relay offers default, flex and priority (ALLOWED_SERVICE_TIERS), not reserved."""
    relay = client(RELAY_URL)
    reply = relay.converse(modelId=MODEL, messages=user("hi"), serviceTier={"type": "flex"})
    assert reply["serviceTier"] == {"type": "flex"}
    with pytest.raises(relay.exceptions.AccessDeniedException) as e:
        relay.converse_stream(modelId=MODEL, messages=user("hi"), serviceTier={"type": "reserved"})
    assert "does not offer the service tier reserved" in e.value.response["Error"]["Message"]


def test_a_reply_format_through_the_relay_is_json_that_follows_the_schema():
    """Structured output (outputConfig.textFormat) from an unchanged boto3, through the relay:
    https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html"""
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
        "additionalProperties": False,
    }
    output = {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {"name": "City", "schema": json.dumps(schema)}}}}
    relay = client(RELAY_URL)
    reply = relay.converse(modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0", messages=user("Lisbon?"), outputConfig=output)
    city = json.loads(reply["output"]["message"]["content"][0]["text"])
    assert set(city) == {"city", "population"} and isinstance(city["population"], int)
    with pytest.raises(relay.exceptions.ValidationException) as e:
        relay.converse(modelId=MODEL, messages=user("Lisbon?"), outputConfig=output)
    assert "output_config.format: Extra inputs are not permitted" in e.value.response["Error"]["Message"]


def test_a_tool_withdrawn_by_a_system_message_is_not_called(bedrock):
    """A `system` message with a `toolRemoval` (Anthropic's "Mid-conversation system messages
    and tool changes", on Claude Sonnet 5.5 among others), from an unchanged boto3: botocore
    sends it as the service model has it, and the model no longer calls the tool."""
    calc = {"toolSpec": {"name": "calc", "inputSchema": {"json": {"type": "object"}}}}
    called = [
        {"role": "user", "content": [{"text": "add"}]},
        {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "calc", "input": {}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "2"}]}}]},
        {"role": "assistant", "content": [{"text": "2."}]},
    ]
    again = user('again [stand-in:call calc {"n": 1}]')
    sonnet = "global.anthropic.claude-sonnet-5-5"
    kept = bedrock.converse(modelId=sonnet, messages=called + again, toolConfig={"tools": [calc]})
    assert kept["stopReason"] == "tool_use"
    withdrawn = [{"role": "system", "content": [{"toolRemoval": {"tool": {"name": "calc"}}}]}]
    reply = bedrock.converse(modelId=sonnet, messages=called + withdrawn + again, toolConfig={"tools": [calc]})
    assert reply["stopReason"] == "end_turn"
    assert not any("toolUse" in b for b in reply["output"]["message"]["content"])
    with pytest.raises(bedrock.exceptions.ValidationException) as e:
        bedrock.converse(modelId="global.anthropic.claude-sonnet-5", messages=called + withdrawn + again, toolConfig={"tools": [calc]})
    assert "doesn't support the system role in messages" in e.value.response["Error"]["Message"]


def test_throttling_in_the_stream_is_raised(bedrock):
    stream = bedrock.converse_stream(modelId=MODEL, messages=user("x [stand-in:stream-throttle]"))["stream"]
    with pytest.raises(botocore.exceptions.EventStreamError) as e:
        list(stream)
    assert e.value.response["Error"]["Code"] == "throttlingException"


def test_a_damaged_stream_reaches_the_sdk_as_bedrock_sent_it():
    """The relay hands Bedrock's frames on untouched, with no chunk read by the worker on the
    way (#20): a stream cut inside a frame reaches the SDK as it would from Bedrock (botocore
    yields the whole events and drops the half frame), and a frame with a wrong checksum is
    refused by the SDK's own decoder, through the relay as directly."""

    def events(endpoint, fault):
        stream = client(endpoint).converse_stream(modelId=MODEL, messages=user(f"x [stand-in:{fault}]"))["stream"]
        return list(stream)

    cut = events(RELAY_URL, "truncate")
    assert cut == events(STANDIN_URL, "truncate")
    assert [next(iter(e)) for e in cut].count("contentBlockDelta") == 3
    for endpoint in (STANDIN_URL, RELAY_URL):
        with pytest.raises(botocore.eventstream.ChecksumMismatch):
            events(endpoint, "bad-crc")


def test_an_exception_as_the_first_frame_is_raised(bedrock):
    stream = bedrock.converse_stream(modelId=MODEL, messages=user("x [stand-in:stream-throttlingException-first]"))["stream"]
    with pytest.raises(botocore.exceptions.EventStreamError) as e:
        list(stream)
    assert e.value.response["Error"]["Code"] == "throttlingException"


def test_an_error_frame_is_raised_with_its_code(bedrock):
    stream = bedrock.converse_stream(modelId=MODEL, messages=user("x [stand-in:error-frame]"))["stream"]
    events = []
    with pytest.raises(botocore.exceptions.EventStreamError) as e:
        for event in stream:
            events.append(event)
    assert e.value.response["Error"]["Code"] == "InternalServerException"
    assert e.value.response["Error"]["Message"] == "The stream failed."
    assert [list(event)[0] for event in events[:2]] == ["messageStart", "contentBlockDelta"]


def test_throttling_before_the_stream_is_a_429(bedrock):
    with pytest.raises(bedrock.exceptions.ThrottlingException) as e:
        bedrock.converse_stream(modelId=MODEL, messages=user("x [stand-in:throttle]"))
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


@pytest.mark.parametrize("endpoint", ["stand-in", "relay"])
def test_a_wrong_secret_is_refused(endpoint):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(STANDIN_URL if endpoint == "stand-in" else RELAY_URL, secret="not-the-secret").converse(
            modelId=MODEL, messages=user("hi")
        )
    assert e.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_stand_in_rejects_a_wrong_session_token():
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(STANDIN_URL, token="not-the-token").converse(modelId=MODEL, messages=user("hi"))
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"


@pytest.mark.parametrize("endpoint", ["stand-in", "relay"])
def test_unsigned_requests_are_refused(endpoint):
    unsigned = boto3.client(
        "bedrock-runtime",
        endpoint_url=STANDIN_URL if endpoint == "stand-in" else RELAY_URL,
        region_name="us-east-1",
        config=Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}),
        verify=False,
    )
    with pytest.raises(botocore.exceptions.ClientError) as e:
        unsigned.converse(modelId=MODEL, messages=user("hi"))
    assert e.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"


def post_with_key(key):
    # boto3 sends a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) only over https, so this one
    # request is made by hand, exactly as boto3 makes it over TLS.
    request = urllib.request.Request(
        f"{STANDIN_URL}/model/{urllib.parse.quote(MODEL, safe='')}/converse",
        data=json.dumps({"messages": user("with a key")}).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.load(e)


def test_stand_in_accepts_a_bedrock_api_key():
    status, _, reply = post_with_key(os.environ["STANDIN_API_KEY"])
    assert status == 200
    assert reply["output"]["message"]["content"][0]["text"].startswith("You said: “with a key”.")

    status, headers, body = post_with_key("wrong-key")
    assert (status, headers["x-amzn-ErrorType"].split(":")[0]) == (403, "UnrecognizedClientException")
    assert body["message"]


def test_relay_accepts_its_key_as_a_bedrock_api_key(monkeypatch):
    """An unchanged SDK with AWS_BEARER_TOKEN_BEDROCK set to a relay key (over https)."""
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", os.environ["RELAY_KEY_SECRET"])
    keyed = boto3.client("bedrock-runtime", endpoint_url=RELAY_URL, region_name="us-east-1", verify=False, config=NO_RETRIES)
    reply = keyed.converse(modelId=MODEL, messages=user("bearer through the relay"))
    assert reply["output"]["message"]["content"][0]["text"].startswith("You said: “bearer through the relay”.")
    events = list(keyed.converse_stream(modelId=MODEL, messages=user("stream it"))["stream"])
    assert events[-1]["metadata"]["usage"]["outputTokens"] > 0

    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "not-a-relay-key-0000000")
    wrong = boto3.client("bedrock-runtime", endpoint_url=RELAY_URL, region_name="us-east-1", verify=False, config=NO_RETRIES)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        wrong.converse(modelId=MODEL, messages=user("hi"))
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"


def tamper_after_signing(bedrock, change):
    """Lets botocore sign the request, then changes it on its way out, as a man in the middle would."""

    def before_send(request, **_):
        change(request)

    bedrock.meta.events.register("before-send.bedrock-runtime.Converse", before_send)
    return bedrock


def replace_header(name, value):
    def change(request):
        del request.headers[name]
        request.headers[name] = value

    return change


def rescope(request):
    auth = request.headers["Authorization"]
    auth = auth.decode() if isinstance(auth, bytes) else auth
    replace_header("Authorization", auth.replace("/bedrock/aws4_request", "/s3/aws4_request"))(request)


def change_body(request):
    # Same length: the Content-Length header botocore set still fits it.
    request.body = request.body.replace(b"tampered", b"tampereD")


@pytest.mark.parametrize("endpoint", ["stand-in", "relay"])
@pytest.mark.parametrize(
    "change",
    [change_body, replace_header("Content-Type", "text/plain"), replace_header("X-Amz-Date", "20240101T000000Z"), rescope],
    ids=["body", "signed header", "date", "service"],
)
def test_a_signed_request_changed_after_signing_is_refused(endpoint, change):
    bedrock = tamper_after_signing(client(STANDIN_URL if endpoint == "stand-in" else RELAY_URL), change)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        bedrock.converse(modelId=MODEL, messages=user("tampered"))
    assert e.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.parametrize("endpoint", ["stand-in", "relay"])
def test_a_request_signed_for_another_region_is_refused(endpoint):
    elsewhere = client(STANDIN_URL if endpoint == "stand-in" else RELAY_URL, region_name="eu-west-1")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        elsewhere.converse(modelId=MODEL, messages=user("from elsewhere"))
    assert e.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert "eu-west-1" in e.value.response["Error"]["Message"]


def lambda_client(endpoint, secret=None):
    """boto3's own Lambda client, unchanged, as the relay's Lambda tools call Lambda."""
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name="us-east-1",
        verify=False,
        aws_access_key_id=os.environ["STANDIN_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or os.environ["STANDIN_SECRET_ACCESS_KEY"],
        aws_session_token=os.environ["STANDIN_SESSION_TOKEN"],
        config=NO_RETRIES,
    )


FORECAST = "arn:aws:lambda:us-east-1:123456789012:function:forecast:live"


def test_lambda_invoke_on_the_stand_in_is_signed_and_answered_as_lambda_does():
    """The stand-in's Lambda accepts botocore's SigV4 for `lambda` and answers in Lambda's shapes:
    the same verifier checks the relay's Invoke calls in lambda_tools.test.mjs."""
    answer = lambda_client(STANDIN_URL).invoke(FunctionName=FORECAST, Payload=b'{"city":"Oslo","days":3}')
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    result = json.loads(answer["Payload"].read())
    assert result["city"] == "Oslo" and len(result["forecast"]) == 3
    failed = lambda_client(STANDIN_URL).invoke(FunctionName="fails", Payload=b"{}")
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "ValueError"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        lambda_client(STANDIN_URL, secret="not-the-secret").invoke(FunctionName=FORECAST, Payload=b"{}")
    assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        lambda_client(STANDIN_URL).invoke(FunctionName="no_such_function", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_relay_is_no_lambda_endpoint():
    """An unchanged Lambda client aimed at the relay reaches no function, whatever it signs with:
    the relay's tools run only through /v1/tools, for callers it admits."""
    before = json.load(urllib.request.urlopen(f"{STANDIN_URL}/_stand-in/stats"))["requests"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        lambda_client(RELAY_URL).invoke(FunctionName=FORECAST, Payload=b'{"city":"Oslo"}')
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] >= 400
    assert json.load(urllib.request.urlopen(f"{STANDIN_URL}/_stand-in/stats"))["requests"] == before


SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def test_the_prompt_cache_writes_then_reads_and_boto3_reads_its_usage(bedrock):
    """Checkpoints kept for an hour on Claude Sonnet 4.5: the first request writes the prefix,
    the next reads it back, and usage says so by lifetime (`cacheDetails`), as boto3 parses it
    (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html). The prefix is
    unique to this run, so the stand-in's cache holds nothing of it yet."""
    point = {"cachePoint": {"type": "default", "ttl": "1h"}}
    system = [{"text": " ".join(f"rule{i}-{os.getpid()}-{id(bedrock)}" for i in range(1100))}, point]
    first = bedrock.converse(modelId=SONNET_45, system=system, messages=user("first"))
    assert first["usage"]["cacheWriteInputTokens"] == 1100
    assert first["usage"]["cacheDetails"] == [{"ttl": "1h", "inputTokens": 1100}]
    events = bedrock.converse_stream(modelId=SONNET_45, system=system, messages=user("second"))["stream"]
    usage = next(e["metadata"]["usage"] for e in events if "metadata" in e)
    assert usage["cacheReadInputTokens"] == 1100
    assert usage["inputTokens"] == 1
