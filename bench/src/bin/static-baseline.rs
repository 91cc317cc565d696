//! The physical limit for a read (`GET /links/{id}`, a link's charges): the
//! same HTTP stack as paylink (axum on tokio, its router included),
//! answering those two routes with fixed bytes held in memory. Whatever
//! paylink does beyond this (authentication, the database, rendering JSON)
//! is what the benchmark's throughput ratio measures.

use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Serves `GET /links/{id}` and `GET /links/{id}/charges` with the bytes of
/// a file, read once at start.
#[derive(Debug, Parser)]
#[command(name = "static-baseline")]
struct Args {
    /// Address to listen on, e.g. 127.0.0.1:8081.
    #[arg(long)]
    addr: SocketAddr,
    /// The JSON body to answer with.
    #[arg(long)]
    body: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let body = match std::fs::read(&args.body) {
        Ok(bytes) => Bytes::from(bytes),
        Err(e) => {
            eprintln!("static-baseline: cannot read {}: {e}", args.body.display());
            return ExitCode::FAILURE;
        }
    };
    let answer = get(move || {
        let body = body.clone();
        async move { ([(CONTENT_TYPE, "application/json; charset=utf-8")], body) }
    });
    let app = Router::new()
        .route("/links/{id}", answer.clone())
        .route("/links/{id}/charges", answer);
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("static-baseline: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("static-baseline: {e}");
            ExitCode::FAILURE
        }
    }
}
