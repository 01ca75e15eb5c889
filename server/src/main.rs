//! zkshare server binary: parses configuration, then serves (or prints the asset hashes, or sends a test mail).

use clap::Parser as _;
use zkshare_server::mail::send_test_mail;
use zkshare_server::startup::print_asset_hashes;
use zkshare_server::{Config, init_tracing, serve};

/// mimalloc instead of the system allocator: a request allocates and frees many small buffers
/// across two threads, where glibc's malloc cost ~14% of the server's CPU (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    disable_transparent_huge_pages();
    let config = Config::parse();
    if config.prints_asset_hashes() {
        return print_asset_hashes(&config);
    }
    init_tracing(&config.log, config.log_format)?;
    if let Some(to) = config.test_mail_recipient() {
        return send_test_mail(&config, to).await;
    }
    serve(config).await
}

/// mimalloc asks for transparent huge pages on its arenas, so with THP in `madvise` mode every
/// touched region costs 2 MiB of resident memory: the embedded store's peak RSS measured
/// 64.7 MB with them and 36.3 MB without (bench/README.md). The server's heap is small and
/// short-lived; it gains nothing from huge pages.
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = nix::sys::prctl::set_thp_disable(true) {
        // Only memory use is at stake; say so and go on.
        eprintln!("note: could not disable transparent huge pages: {e}");
    }
}
