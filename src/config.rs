//! One typed configuration for `paylink serve`, from flags, `PAYLINK_*`
//! environment variables and defaults (clap reads all three).

use clap::Args;
use std::net::SocketAddr;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://paylink.db";

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH (created if missing) or sqlite::memory:.
    #[arg(long = "database", env = "PAYLINK_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// How `paylink serve` runs.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "PAYLINK_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Base URL of payment pages in `payment_uri`; defaults to http:// and
    /// the address actually bound.
    #[arg(long, env = "PAYLINK_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "PAYLINK_BODY_LIMIT", default_value_t = 64 * 1024)]
    pub body_limit: usize,

    /// Let live-mode links take payments through the test-card simulator.
    /// Off by default: no real card network stands behind paylink.
    #[arg(long, env = "PAYLINK_LIVE_PAYMENTS", default_value_t = false)]
    pub live_payments: bool,
}

impl ServeConfig {
    /// The defaults with another address and database, for embedding and tests.
    pub fn new(addr: SocketAddr, database_url: impl Into<String>) -> ServeConfig {
        ServeConfig {
            addr,
            database: DatabaseArgs {
                database_url: database_url.into(),
            },
            public_url: None,
            body_limit: 64 * 1024,
            live_payments: false,
        }
    }
}
