//! One typed configuration for `paylink serve`, from flags, `PAYLINK_*`
//! environment variables and defaults (clap reads all three).

use crate::store::PoolSettings;
use clap::Args;
use std::net::SocketAddr;
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://paylink.db";

/// The display name of the account a first start creates, so that a payer
/// never reads an account id.
pub const DEFAULT_ACCOUNT_NAME: &str = "My shop";

/// Where the database is, and how many connections to hold: every
/// command's database flags.
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
}

impl DatabaseArgs {
    pub fn new(database_url: impl Into<String>) -> DatabaseArgs {
        DatabaseArgs {
            database_url: database_url.into(),
            max_connections: 8,
        }
    }

    /// The pool of a one-shot command, which waits for a connection as
    /// long as the default: no request of anyone's is waiting behind it.
    pub fn pool_settings(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.max_connections,
            ..PoolSettings::default()
        }
    }
}

/// The database flags of `paylink serve`: every command's, and how long a
/// request waits for a connection (only a server has requests).
#[derive(Debug, Clone, Args)]
pub struct ServeDatabaseArgs {
    #[command(flatten)]
    pub location: DatabaseArgs,

    /// Milliseconds a request waits for a database connection before it
    /// answers 503 service_unavailable.
    #[arg(
        long = "db-acquire-timeout-ms",
        env = "PAYLINK_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub acquire_timeout_ms: u64,
}

impl ServeDatabaseArgs {
    pub fn new(database_url: impl Into<String>) -> ServeDatabaseArgs {
        ServeDatabaseArgs {
            location: DatabaseArgs::new(database_url),
            acquire_timeout_ms: 5000,
        }
    }

    pub fn pool_settings(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.location.max_connections,
            acquire_timeout: Duration::from_millis(self.acquire_timeout_ms),
        }
    }
}

/// `config.database.database_url` reads the same on `serve` as elsewhere.
impl std::ops::Deref for ServeDatabaseArgs {
    type Target = DatabaseArgs;

    fn deref(&self) -> &DatabaseArgs {
        &self.location
    }
}

/// How `paylink serve` runs.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on, HOST:PORT; port 0 picks a free port.
    #[arg(long, env = "PAYLINK_ADDR", default_value = "127.0.0.1:8080", value_parser = parse_addr)]
    pub addr: SocketAddr,

    #[command(flatten)]
    pub database: ServeDatabaseArgs,

    /// Base URL of payment pages in `payment_uri`; defaults to http:// and
    /// the address actually bound.
    #[arg(long, env = "PAYLINK_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// The name payers see on the payment page for the account the first
    /// start creates (an empty database); `PATCH /account` changes it.
    #[arg(long, env = "PAYLINK_ACCOUNT_NAME", default_value = DEFAULT_ACCOUNT_NAME, value_parser = crate::accounts::parse_display_name)]
    pub account_name: String,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "PAYLINK_BODY_LIMIT", default_value_t = 64 * 1024)]
    pub body_limit: usize,

    /// Let live-mode links take payments through the test-card simulator.
    /// Off by default: no real card network stands behind paylink.
    #[arg(long, env = "PAYLINK_LIVE_PAYMENTS", default_value_t = false)]
    pub live_payments: bool,

    /// How long a 3-D Secure charge waits for the payer at the test bank
    /// before it expires.
    #[arg(long, env = "PAYLINK_AUTHORIZE_TIMEOUT", default_value = "15m", value_parser = parse_duration)]
    pub authorize_timeout: Duration,

    /// A dashboard session unused this long ends.
    #[arg(long, env = "PAYLINK_DASHBOARD_IDLE_TIMEOUT", default_value = "12h", value_parser = parse_duration)]
    pub dashboard_idle_timeout: Duration,

    #[command(flatten)]
    pub connections: ConnectionArgs,

    #[command(flatten)]
    pub webhooks: WebhookArgs,
}

/// How events are delivered to webhook URIs.
#[derive(Debug, Clone, Args)]
pub struct WebhookArgs {
    /// An attempt not answered with a 2xx within this time has failed.
    #[arg(long, env = "PAYLINK_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub webhook_timeout: Duration,

    /// The wait before the second attempt; each later wait doubles (with
    /// ±25% jitter). With 14 attempts, 30s spreads them over about 3 days.
    #[arg(long, env = "PAYLINK_WEBHOOK_RETRY_BASE", default_value = "30s", value_parser = parse_duration)]
    pub webhook_retry_base: Duration,

    /// Attempts per event, the first included, before it is given up.
    #[arg(long, env = "PAYLINK_WEBHOOK_MAX_ATTEMPTS", default_value_t = 14,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub webhook_max_attempts: u32,

    /// How often the outbox is read for events of other processes (this
    /// process's own are sent at once).
    #[arg(long, env = "PAYLINK_WEBHOOK_POLL_INTERVAL", default_value = "1s", value_parser = parse_duration)]
    pub webhook_poll_interval: Duration,
}

impl Default for WebhookArgs {
    fn default() -> Self {
        WebhookArgs {
            webhook_timeout: Duration::from_secs(10),
            webhook_retry_base: Duration::from_secs(30),
            webhook_max_attempts: 14,
            webhook_poll_interval: Duration::from_secs(1),
        }
    }
}

impl WebhookArgs {
    pub fn policy(&self) -> crate::webhooks::DeliveryPolicy {
        crate::webhooks::DeliveryPolicy {
            timeout: self.webhook_timeout,
            retry_base: self.webhook_retry_base,
            max_attempts: self.webhook_max_attempts,
            poll_interval: self.webhook_poll_interval.max(Duration::from_millis(10)),
        }
    }
}

/// How long clients may take, and how many may be connected.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Time a client has to send a request's head (line and headers),
    /// counted from the connection's opening or its previous response
    /// (seconds, or with a unit: 500ms, 10s).
    #[arg(long, env = "PAYLINK_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,

    /// A connection with no request in progress that receives nothing for
    /// this long is closed.
    #[arg(long, env = "PAYLINK_KEEP_ALIVE_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub keep_alive_timeout: Duration,

    /// A request not answered within this time, its body included, gets
    /// 408 request_timeout.
    #[arg(long, env = "PAYLINK_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// Most client connections open at once [default: what the open-file
    /// limit allows]. At the cap the longest-idle connection is closed.
    #[arg(long = "max-connections", env = "PAYLINK_MAX_CONNECTIONS")]
    pub connection_cap: Option<usize>,

    /// After Ctrl-C or SIGTERM, how long requests in progress may finish
    /// before the server exits anyway. A second Ctrl-C exits at once.
    #[arg(long, env = "PAYLINK_SHUTDOWN_GRACE", default_value = "10s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,
}

impl Default for ConnectionArgs {
    fn default() -> Self {
        ConnectionArgs {
            header_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            connection_cap: None,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// `HOST:PORT`, the host an IP address or a name such as `localhost`.
pub fn parse_addr(raw: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let raw = raw.trim();
    let example = "write HOST:PORT, for example 127.0.0.1:8080, localhost:8080, \
                   or 0.0.0.0:8080 to listen on every interface";
    if let Ok(addr) = raw.parse() {
        return Ok(addr);
    }
    if !raw.contains(':') {
        return Err(format!("{raw:?} is not an address: {example}"));
    }
    raw.to_socket_addrs()
        .map_err(|e| format!("{raw:?} is not an address ({e}): {example}"))?
        .next()
        .ok_or_else(|| format!("{raw:?} names no address: {example}"))
}

/// The base of `payment_uri`: an absolute http or https URL.
pub fn parse_public_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let example = "give an absolute http or https URL, for example https://pay.example.com";
    let url = url::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL ({e}): {example}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "{raw:?} is not an http or https URL with a host: {example}"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{raw:?} has a query or fragment: {example}"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A duration: seconds (`10`, `0.5`) or a number with `ms`, `s`, `m` or `h`.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{raw:?} is not a duration: write 10, 10s, 500ms, 5m or 1h"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {raw:?}: use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{raw:?} is out of range"))
}

impl ServeConfig {
    /// The defaults with another address and database, for embedding and tests.
    pub fn new(addr: SocketAddr, database_url: impl Into<String>) -> ServeConfig {
        ServeConfig {
            addr,
            database: ServeDatabaseArgs::new(database_url),
            public_url: None,
            account_name: DEFAULT_ACCOUNT_NAME.to_owned(),
            body_limit: 64 * 1024,
            live_payments: false,
            authorize_timeout: Duration::from_secs(15 * 60),
            dashboard_idle_timeout: Duration::from_secs(12 * 3600),
            connections: ConnectionArgs::default(),
            webhooks: WebhookArgs::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(parse_addr("127.0.0.1:9000").unwrap().port(), 9000);
        assert!(parse_addr("localhost:9000").unwrap().ip().is_loopback());
        assert!(parse_addr("[::1]:0").is_ok());
        let bare = parse_addr("9000").unwrap_err();
        assert!(
            bare.contains("HOST:PORT") && bare.contains("127.0.0.1:8080"),
            "{bare}"
        );
        assert!(parse_addr("localhost").is_err());
    }

    #[test]
    fn public_urls() {
        assert_eq!(
            parse_public_url("https://pay.example.com/").unwrap(),
            "https://pay.example.com"
        );
        assert_eq!(
            parse_public_url("http://127.0.0.1:8080/base").unwrap(),
            "http://127.0.0.1:8080/base"
        );
        for bad in [
            "pay.example.com",
            "not a url",
            "ftp://x.example",
            "https://x.example/?a=1",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("").is_err());
    }
}
