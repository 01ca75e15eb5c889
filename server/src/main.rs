//! zkshare server binary: parses configuration, connects the store and serves.

use std::io::Write as _;

use clap::Parser as _;
use zkshare_server::assets::WebAssets;
use zkshare_server::{Config, init_tracing, serve};

/// mimalloc instead of the system allocator: a request allocates and frees many small buffers
/// across two threads, where glibc's malloc cost ~14% of the server's CPU (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    if config.print_asset_hashes {
        let assets = WebAssets::load(config.web_dir.as_deref())?;
        std::io::stdout().write_all(assets.manifest())?;
        println!();
        return Ok(());
    }
    init_tracing(&config.log)?;
    serve(config).await
}
