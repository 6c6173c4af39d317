//! The stand-in judged by real Bedrock: every request Bedrock accepted in the recorded traffic
//! (`tests/fixtures/realcases`, see its INDEX.md) is accepted here, and every one it refused
//! is refused here with Bedrock's error and message, word for word.

use std::path::{Path, PathBuf};

use bedrock_local::validate::parse_request;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/realcases")
}

fn cases(category: &str) -> Vec<Value> {
    let index: Value = serde_json::from_slice(&std::fs::read(root().join("index.json")).unwrap()).unwrap();
    index["cases"].as_array().unwrap().iter().filter(|c| c["category"] == category).cloned().collect()
}

/// The recorded request body, exactly as sent, and what it was sent to.
fn request(case: &Value) -> Option<(String, Vec<u8>, bool)> {
    let file = case["files"]["request"].as_str()?;
    let model = case["model_id"].as_str()?.to_owned();
    let streaming = case["operation"] == "ConverseStream";
    Some((model, std::fs::read(root().join(file)).unwrap(), streaming))
}

#[test]
fn every_request_bedrock_accepted_is_accepted() {
    let mut checked = 0;
    let mut refused = Vec::new();
    for case in cases("accepted") {
        let Some((model, body, streaming)) = request(&case) else { continue };
        if let Err(e) = parse_request(&model, &body, streaming) {
            refused.push(format!("{} ({model}): {}: {}", case["id"], e.kind.name(), e.message));
        }
        checked += 1;
    }
    assert!(refused.is_empty(), "Bedrock accepted these:\n{}", refused.join("\n"));
    assert!(checked >= 224, "only {checked} requests");
}

#[test]
fn every_request_bedrock_refused_is_refused_in_its_words() {
    let mut checked = 0;
    for case in cases("rejected") {
        let (model, body, streaming) = request(&case).unwrap();
        let error: Value = serde_json::from_slice(
            &std::fs::read(root().join(case["files"]["error"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        let refused = parse_request(&model, &body, streaming).err().unwrap_or_else(|| {
            panic!("{} ({model}) was accepted; Bedrock said {}", case["id"], error["message"])
        });
        assert_eq!(refused.kind.status(), error["status"].as_u64().unwrap() as u16, "{}", case["id"]);
        assert_eq!(refused.kind.name(), "ValidationException", "{}", case["id"]);
        assert_eq!(refused.message, error["message"].as_str().unwrap(), "{}", case["id"]);
        checked += 1;
    }
    assert_eq!(checked, 12);
}
