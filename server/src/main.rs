//! zkshare server binary: parses configuration, connects the store and serves.

use clap::Parser as _;
use zkshare_server::{Config, init_tracing, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    init_tracing(&config.log)?;
    serve(config).await
}
