//! The `campus` command: serve the API, manage the database schema, inspect configuration.

mod backup_cmd;
mod cli;
mod parking_cmd;
mod reports_cmd;
mod seed_cmd;
mod services;
mod transfer_cmd;
mod user_cmd;

use std::process::ExitCode;

use clap::Parser;

#[cfg(all(feature = "mimalloc", feature = "jemalloc"))]
compile_error!("choose one global allocator: feature `mimalloc` or `jemalloc`");

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
