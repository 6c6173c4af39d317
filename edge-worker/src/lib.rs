//! converse-edge's relay: a Cloudflare Worker (workers-rs) in front of Bedrock Runtime.
//!
//! It takes Bedrock's own `Converse` / `ConverseStream` requests from callers it trusts (a
//! relay API key, or a page from an allowed origin), checks them against the deployer's
//! policy, signs them with SigV4 (or a Bedrock API key) from the worker's secrets, and relays
//! the reply as it arrives: as Server-Sent Events to browsers that ask for
//! `text/event-stream`, and as Bedrock's own event-stream frames, unchanged, to everyone else
//! (so unchanged AWS SDKs can call it). Everything that is not an API path is the chat page,
//! served from static assets.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]

mod access;
mod auth;
mod body;
mod catalog;
mod config;
mod count;
mod deadline;
mod errors;
mod frames;
mod gate;
mod intake;
mod tools;
// `#[durable_object]` generates glue without docs.
#[allow(missing_docs)]
mod limits;
mod log;
mod policy;
mod relay;
mod upstream;
mod visitor;
mod widget;

use converse_shared::path::parse_model_path;
use worker::{Context, Env, Method, Request, Response, Result, event};

pub use crate::limits::RateLimiter;

use crate::config::RelayConfig;
use crate::errors::RelayError;

/// The route table.
#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    console_error_panic_hook::set_once();
    let path = req.path();
    let api = path.starts_with("/model/") || path.starts_with("/v1/") || path == "/widget";
    if !api {
        return env.assets("ASSETS")?.fetch_request(req).await;
    }
    let config = match RelayConfig::from_env(&env) {
        Ok(config) => config,
        Err(e) => return Ok(e.into_response()),
    };
    match (req.method(), path.as_str()) {
        (Method::Get, "/widget") => widget::page(&req, &env, &config).await,
        (Method::Get, "/v1/widget") => {
            Ok(widget::info(&req, &config).unwrap_or_else(RelayError::into_response))
        }
        (Method::Options, _) => auth::preflight(&req, &config),
        (Method::Get, "/v1/health") => Response::from_json(&serde_json::json!({ "status": "ok" })),
        (Method::Get, "/v1/models") => catalog::models(&req, &config),
        (Method::Get, "/v1/tools") => Ok(tools::listing(&req, &env, &config).await),
        (Method::Post, p) if p.starts_with("/v1/tools/") => {
            Ok(tools::handle(&mut req, &env, &config, &p["/v1/tools/".len()..]).await)
        }
        (Method::Post, p) => match parse_model_path(p) {
            Some((model_id, operation)) => {
                Ok(relay::handle(&mut req, &env, &ctx, &config, &model_id, operation).await)
            }
            None => Ok(RelayError::UnknownOperation.into_response()),
        },
        _ => Ok(RelayError::UnknownOperation.into_response()),
    }
}
