use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = paylink::cli::Cli::parse();
    paylink::telemetry::init(cli.log_format);
    paylink::cli::run(cli).await
}
