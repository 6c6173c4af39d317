//! `bedrock-local`: serve the stand-in on `BEDROCK_LOCAL_ADDR` (default `127.0.0.1:8790`).

use axum::serve::ListenerExt;
use bedrock_local::{Config, router};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("BEDROCK_LOCAL_ADDR").unwrap_or_else(|_| "127.0.0.1:8790".into());
    let config = Config::from_env();
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    // Scripts wait for this line (and read the port from it when BEDROCK_LOCAL_ADDR ends in :0).
    println!(
        "bedrock-local listening on http://{} (region {}, access key {}, delay {} ms)",
        listener.local_addr()?,
        config.region,
        config.credentials.access_key_id,
        config.delta_delay.as_millis()
    );
    // Each event is written as soon as it is ready, as Bedrock does: without TCP_NODELAY a
    // small write waits for the client's delayed ACK (≈ 40 ms) behind the one before it.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(config))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
