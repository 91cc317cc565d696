use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = paylink::cli::Cli::parse();
    paylink::telemetry::init_with(cli.log_format, cli.default_log_filter());
    paylink::cli::run(cli).await
}
