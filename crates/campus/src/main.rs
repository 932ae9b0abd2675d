//! The `campus` command: serve the API, manage the database schema, inspect configuration.

mod cli;
mod logging;
mod seed_cmd;
mod user_cmd;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: request handling allocates many small, short-lived
/// buffers across threads, where glibc malloc showed up as ~20% of CPU in profiles
/// (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
