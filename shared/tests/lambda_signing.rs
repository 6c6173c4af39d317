//! The relay signs a Lambda `Invoke` exactly as botocore does: the request botocore 1.44.8
//! signed (`tests/fixtures/botocore/lambda-invoke.json`, recorded by `sign_lambda.py` beside
//! it) is signed again here, from its method, URL, body, time and key, and the `Authorization`
//! headers must be identical. The URL is the one [`FunctionArn::invoke_path`] builds.
#![cfg(feature = "sigv4")]

use std::path::Path;

use converse_shared::sigv4::{Credentials, parse_amz_date, sign_scoped};
use converse_shared::tools::lambda::{FunctionArn, SIGNING_NAME};
use serde_json::Value;

#[test]
fn signs_an_invoke_as_botocore_does() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/botocore/lambda-invoke.json");
    let recorded: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let field = |name: &str| recorded[name].as_str().unwrap().to_owned();
    let header = |name: &str| recorded["headers"][name].as_str().unwrap().to_owned();

    let arn = FunctionArn::parse("arn:aws:lambda:us-east-1:123456789012:function:forecast:live").unwrap();
    let url = format!("{}{}", arn.endpoint(), arn.invoke_path());
    assert_eq!(url, field("url"), "the relay's Invoke URL is not the SDK's");

    let credentials =
        Credentials::new(field("accessKeyId"), field("secretAccessKey"), Some(field("sessionToken")));
    let time = parse_amz_date(&header("X-Amz-Date")).unwrap();
    let host = "lambda.us-east-1.amazonaws.com";
    let added = sign_scoped(
        &credentials,
        &arn.region,
        SIGNING_NAME,
        time,
        "POST",
        &url,
        &[("host", host)],
        field("body").as_bytes(),
    )
    .unwrap();
    let ours = |name: &str| added.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    assert_eq!(ours("authorization"), Some(header("Authorization")));
    assert_eq!(ours("x-amz-security-token"), Some(header("X-Amz-Security-Token")));

    // And a different body is a different signature: the comparison can fail.
    let other =
        sign_scoped(&credentials, &arn.region, SIGNING_NAME, time, "POST", &url, &[("host", host)], b"{}")
            .unwrap();
    assert_ne!(
        other.iter().find(|(n, _)| *n == "authorization").map(|(_, v)| v.clone()),
        Some(header("Authorization"))
    );
}
