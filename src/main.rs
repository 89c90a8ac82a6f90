//! The `sightline` command line.

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// jemalloc instead of glibc's malloc: allocation was ~13 % of the pipeline's CPU on small
/// sessions, and glibc kept freed session memory. Measured against glibc and mimalloc in
/// `BENCHMARKS.md` (issue 8).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let arguments = cli::Cli::parse();
    match cli::run(arguments) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
