//! `sightline run --config FILE`: the streaming pipeline, until SIGTERM or SIGINT.

use anyhow::Context;
use clap::Args;
use sightline::analyze::Detector;
use sightline::analyze::detect::RuleDetector;
use sightline::config::{self, Config, LogFormat};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Arguments of `sightline run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The configuration file (TOML); `SIGHTLINE__SECTION__KEY` variables override its keys.
    #[arg(long, short)]
    config: PathBuf,
}

/// Arguments of `sightline check-config`.
#[derive(Debug, Args)]
pub struct CheckConfigArgs {
    /// The configuration file to check.
    config: PathBuf,
}

/// Starts logging as configured (`RUST_LOG` wins over `log.level`).
pub fn init_logging(config: &Config) {
    let level = config.log.level.clone().unwrap_or_else(|| "info".to_string());
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

fn load_detector(config: &Config) -> anyhow::Result<Arc<dyn Detector>> {
    let detector = RuleDetector::with_packs(config.rules.bundled, &config.rules.files).context("loading rule packs")?;
    // A long-running service compiles every pattern at start: a pattern that cannot be
    // compiled stops it here, and the first sessions are not slowed down.
    detector.rules().compile_all().context("compiling rule patterns")?;
    Ok(Arc::new(detector))
}

/// Runs the pipeline.
pub fn run(arguments: RunArgs) -> anyhow::Result<ExitCode> {
    let config = config::load_file(&arguments.config)?;
    init_logging(&config);
    let detector = load_detector(&config)?;
    let shutdown = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, shutdown.clone()).context("installing signal handlers")?;
    }
    sightline::pipeline::run(config, detector, shutdown)?;
    Ok(ExitCode::SUCCESS)
}

/// Loads a config as `run` would and reports what is wrong, naming the key.
pub fn check(arguments: CheckConfigArgs) -> anyhow::Result<ExitCode> {
    match config::load_file(&arguments.config) {
        Ok(config) => {
            load_detector(&config)?;
            println!(
                "{}: ok (brokers {}, group {}, store {:?})",
                arguments.config.display(),
                config.kafka.brokers,
                config.kafka.group_id,
                config.store.backend
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Ok(ExitCode::from(2))
        }
    }
}
