//! The stand-in's own SigV4 verifier against AWS's signing test suite (`tests/fixtures/sigv4`;
//! the relay's verifier meets the same suite in `shared/tests/sigv4_suite.rs`).

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_local::sigv4::{Arrived, Key, verify};
use converse_shared::ErrorKind;
use serde_json::Value;

/// The suite's cases that describe a request a server receives (the relay's suite says why
/// each other one does not).
const CASES: &[&str] = &[
    "get-header-key-duplicate",
    "get-header-value-order",
    "get-header-value-trim",
    "get-slash-normalized",
    "get-slashes-normalized",
    "get-unreserved",
    "get-vanilla",
    "get-vanilla-empty-query-key",
    "get-vanilla-query",
    "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "get-vanilla-with-session-token",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-sts-header-before",
    "post-vanilla",
    "post-vanilla-empty-query-value",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
];

struct Case {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    key: Key,
    now: SystemTime,
}

fn read(name: &str) -> Case {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sigv4/v4").join(name);
    let context: Value = serde_json::from_slice(&std::fs::read(dir.join("context.json")).unwrap()).unwrap();
    let text = std::fs::read_to_string(dir.join("header-signed-request.txt")).unwrap();
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let mut request_line = lines.next().unwrap().split(' ');
    let (method, target) = (request_line.next().unwrap(), request_line.next().unwrap());
    let headers = lines
        .map(|l| l.split_once(':').map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned())).unwrap())
        .collect();
    let creds = &context["credentials"];
    Case {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body: body.as_bytes().to_vec(),
        key: Key {
            access_key_id: creds["access_key_id"].as_str().unwrap().to_owned(),
            secret_access_key: creds["secret_access_key"].as_str().unwrap().to_owned(),
            session_token: creds["token"].as_str().map(str::to_owned),
        },
        now: UNIX_EPOCH + Duration::from_secs(1_440_938_160), // 2015-08-30T12:36:00Z, every case's time
    }
}

fn check(case: &Case, region: &str) -> Result<(), ErrorKind> {
    let arrived = Arrived {
        method: &case.method,
        path_and_query: &case.target,
        headers: &case.headers,
        body: &case.body,
    };
    verify(&arrived, region, "service", case.now, |id| {
        (id == case.key.access_key_id).then(|| case.key.clone())
    })
    .map_err(|e| e.kind)
}

#[test]
fn every_request_the_suite_signs_is_accepted() {
    let refused: Vec<String> = CASES
        .iter()
        .filter_map(|name| check(&read(name), "us-east-1").err().map(|e| format!("{name}: {e:?}")))
        .collect();
    assert!(refused.is_empty(), "refused: {refused:#?}");
}

#[test]
fn a_signed_request_changed_in_any_part_is_refused() {
    let case = read("post-x-www-form-urlencoded");
    assert_eq!(check(&case, "us-east-1"), Ok(()));
    let changed = |change: &dyn Fn(&mut Case)| {
        let mut c = read("post-x-www-form-urlencoded");
        change(&mut c);
        check(&c, "us-east-1")
    };
    assert_eq!(changed(&|c| c.body.push(b'!')), Err(ErrorKind::InvalidSignature), "the body");
    assert_eq!(
        changed(&|c| c.headers[0].1 = "text/plain".into()),
        Err(ErrorKind::InvalidSignature),
        "a signed header"
    );
    assert_eq!(changed(&|c| c.target = "/other".into()), Err(ErrorKind::InvalidSignature), "the path");
    assert_eq!(
        changed(&|c| c.now += Duration::from_secs(6 * 60)),
        Err(ErrorKind::InvalidSignature),
        "the clock"
    );
    assert_eq!(
        changed(&|c| c.key.secret_access_key.push('x')),
        Err(ErrorKind::InvalidSignature),
        "the secret"
    );
    assert_eq!(check(&case, "eu-west-1"), Err(ErrorKind::InvalidSignature), "the region");
    assert_eq!(
        changed(&|c| c.headers.retain(|(k, _)| k != "authorization")),
        Err(ErrorKind::MissingAuthenticationToken),
        "no signature"
    );
}

#[test]
fn a_session_token_must_come_with_the_request() {
    let mut case = read("get-vanilla-with-session-token");
    assert_eq!(check(&case, "us-east-1"), Ok(()));
    case.headers.retain(|(k, _)| k != "x-amz-security-token");
    assert_eq!(check(&case, "us-east-1"), Err(ErrorKind::UnrecognizedClient));
}
