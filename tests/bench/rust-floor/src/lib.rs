//! The benchmark's Rust floor (`scripts/bench.sh fixed`): the JavaScript floor of
//! `tests/bench/miniflare.mjs` written with workers-rs, built as the relay is (worker-build,
//! the workspace's release profile). It answers a health check as the relay does and hands
//! Bedrock's body straight back as a native stream, so the difference between its figures and
//! the JavaScript floor's is what hosting a Rust/wasm worker costs, and the difference between
//! the relay's and its own is what the relay's code costs.

use worker::{Env, Fetch, Headers, Method, Request, RequestInit, Response, Result, event};

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: worker::Context) -> Result<Response> {
    let path = request.path();
    if path == "/v1/health" {
        return Response::from_json(&serde_json::json!({ "status": "ok" }));
    }
    let endpoint = env.var("BEDROCK_ENDPOINT")?.to_string();
    let key = env.var("STANDIN_API_KEY")?.to_string();
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("authorization", &format!("Bearer {key}"))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers);
    if let Some(body) = request.inner().body() {
        init.with_body(Some(body.into()));
    }
    let upstream = Request::new_with_init(&format!("{endpoint}{path}"), &init)?;
    Fetch::Request(upstream).send().await
}
