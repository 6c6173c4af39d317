//! The stand-in over real HTTP, signed by the code the relay signs with (and checked by the
//! stand-in's own verifier), its bytes fed to the shared decoder in every chunk size.

use std::time::{Duration, SystemTime};

use bedrock_local::sigv4::Key;
use bedrock_local::{Config, router};
use converse_shared::eventstream::{EventStreamDecoder, StreamItem};
use converse_shared::path::{Operation, model_path};
use converse_shared::sigv4::{self, Credentials};
use converse_shared::{ConverseOutput, ConverseResponse, StreamAccumulator};

const MODEL: &str = "us.amazon.nova-lite-v1:0";

/// The stand-in's key as the client's credentials.
fn signing(key: &Key) -> Credentials {
    Credentials::new(&key.access_key_id, &key.secret_access_key, key.session_token.clone())
}

fn config() -> Config {
    Config {
        credentials: Key {
            access_key_id: "AKIAWIRETEST".into(),
            secret_access_key: "wire-secret".into(),
            session_token: Some("wire-token".into()),
        },
        region: "eu-west-1".into(),
        api_key: None,
        delta_delay: Duration::ZERO,
        tool_secret: None,
        replay_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/realcases").into(),
    }
}

async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(config())).await.unwrap() });
    format!("127.0.0.1:{}", addr.port())
}

async fn call(
    host: &str,
    operation: Operation,
    credentials: &Credentials,
    time: SystemTime,
) -> reqwest::Response {
    let body = br#"{"messages":[{"role":"user","content":[{"text":"wire test"}]}],"inferenceConfig":{"maxTokens":9}}"#;
    send(host, operation, credentials, time, body).await
}

async fn send(
    host: &str,
    operation: Operation,
    credentials: &Credentials,
    time: SystemTime,
    body: &[u8],
) -> reqwest::Response {
    let url = format!("http://{host}{}", model_path(MODEL, operation));
    let headers = [("content-type", "application/json"), ("host", host)];
    let signed = sigv4::sign(credentials, "eu-west-1", time, "POST", &url, &headers, body).unwrap();
    let mut request =
        reqwest::Client::new().post(&url).header("content-type", "application/json").body(body.to_vec());
    for (name, value) in signed {
        request = request.header(name, value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn stream_bytes_decode_in_every_chunk_size_and_match_converse() {
    let host = serve().await;
    let credentials = signing(&config().credentials);
    let response = call(&host, Operation::ConverseStream, &credentials, SystemTime::now()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/vnd.amazon.eventstream");
    let bytes = response.bytes().await.unwrap();

    let mut results = Vec::new();
    for chunk in 1..=64 {
        let mut decoder = EventStreamDecoder::new();
        let mut accumulator = StreamAccumulator::new();
        for piece in bytes.chunks(chunk) {
            decoder.push(piece);
            while let Some(item) = decoder.next_item().unwrap() {
                let StreamItem::Event(event) = item else { panic!("error frame: {item:?}") };
                accumulator.push(&event).unwrap();
            }
        }
        assert!(!decoder.has_partial_frame());
        results.push(accumulator.finish().unwrap());
    }
    assert!(results.windows(2).all(|w| w[0].output == w[1].output && w[0].usage == w[1].usage));

    let converse: ConverseResponse =
        call(&host, Operation::Converse, &credentials, SystemTime::now()).await.json().await.unwrap();
    let streamed = &results[0];
    assert_eq!(streamed.output, converse.output);
    assert_eq!((&streamed.stop_reason, &streamed.usage), (&converse.stop_reason, &converse.usage));
    let ConverseOutput::Message(message) = &converse.output else { panic!() };
    assert!(message.joined_text().starts_with("You said: “wire test”."));
}

#[tokio::test]
async fn signatures_from_other_keys_or_times_are_refused() {
    let host = serve().await;
    let cases = [
        (
            Credentials::new("AKIAWIRETEST", "wrong", Some("wire-token".into())),
            0,
            "InvalidSignatureException",
        ),
        (
            Credentials::new("AKIAOTHER", "wire-secret", Some("wire-token".into())),
            0,
            "UnrecognizedClientException",
        ),
        (Credentials::new("AKIAWIRETEST", "wire-secret", None), 0, "UnrecognizedClientException"),
        (signing(&config().credentials), 600, "InvalidSignatureException"),
    ];
    for (credentials, age, expected) in cases {
        let time = SystemTime::now() - Duration::from_secs(age);
        let response = call(&host, Operation::Converse, &credentials, time).await;
        assert_eq!(response.status(), 403, "{expected}");
        let error_type = response.headers()["x-amzn-ErrorType"].to_str().unwrap().to_owned();
        assert!(error_type.starts_with(expected), "{error_type}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["message"].as_str().is_some_and(|m| !m.contains("wire-secret")));
    }
}

/// `[stand-in:replay ID]` answers with what real Bedrock sent, byte for byte: a recorded
/// stream's exact frames (split in pieces of every size on the way), a recorded Converse body.
#[tokio::test]
async fn recorded_replies_replay_byte_for_byte() {
    let host = serve().await;
    let credentials = signing(&config().credentials);
    let fixtures = config().replay_dir.join("accepted");
    let ask = |case: &str| {
        format!(r#"{{"messages":[{{"role":"user","content":[{{"text":"[stand-in:replay {case}]"}}]}}]}}"#)
    };
    let streamed =
        send(&host, Operation::ConverseStream, &credentials, SystemTime::now(), ask("pyd-19").as_bytes())
            .await;
    assert_eq!(streamed.status(), 200);
    assert_eq!(streamed.bytes().await.unwrap(), std::fs::read(fixtures.join("pyd-19.response.bin")).unwrap());
    let json =
        send(&host, Operation::Converse, &credentials, SystemTime::now(), ask("pyd-2").as_bytes()).await;
    assert_eq!(json.bytes().await.unwrap(), std::fs::read(fixtures.join("pyd-2.response.json")).unwrap());
    let (missing, path) = (ask("pyd-99999"), ask("../index"));
    let at = |body: &'static [u8]| send(&host, Operation::Converse, &credentials, SystemTime::now(), body);
    assert_eq!(at(missing.leak().as_bytes()).await.status(), 404);
    // Only ids name recordings: a path is not one, and gets the stand-in's own reply.
    assert!(at(path.leak().as_bytes()).await.text().await.unwrap().contains("You said"));
}
