use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    paylink::telemetry::init();
    paylink::cli::run(paylink::cli::Cli::parse()).await
}
