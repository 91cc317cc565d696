//! One typed configuration for `paylink serve`, from flags, `PAYLINK_*`
//! environment variables and defaults (clap reads all three).

use crate::store::PoolSettings;
use clap::Args;
use std::net::SocketAddr;
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://paylink.db";

/// Where the database is, and how many connections to hold.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH (created if missing), sqlite::memory:,
    /// or postgres://USER@HOST:PORT/DB.
    #[arg(long = "database", env = "PAYLINK_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// Most database connections open at once.
    #[arg(
        long = "db-max-connections",
        env = "PAYLINK_DB_MAX_CONNECTIONS",
        default_value_t = 8
    )]
    pub max_connections: u32,

    /// Milliseconds a request waits for a database connection before it
    /// answers 503 service_unavailable.
    #[arg(
        long = "db-acquire-timeout-ms",
        env = "PAYLINK_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub acquire_timeout_ms: u64,
}

impl DatabaseArgs {
    pub fn new(database_url: impl Into<String>) -> DatabaseArgs {
        DatabaseArgs {
            database_url: database_url.into(),
            max_connections: 8,
            acquire_timeout_ms: 5000,
        }
    }

    pub fn pool_settings(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.max_connections,
            acquire_timeout: Duration::from_millis(self.acquire_timeout_ms),
        }
    }
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
            database: DatabaseArgs::new(database_url),
            public_url: None,
            body_limit: 64 * 1024,
            live_payments: false,
        }
    }
}
