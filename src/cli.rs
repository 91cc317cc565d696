//! The command line: `serve`, `migrate`, `account create`, `account roll-keys`,
//! `account webhook`, `account webhook-secret`, `export`, `import`, `pay`
//! (in `payer.rs`).

use crate::accounts::{create_named_account, parse_display_name, roll_keys};
use crate::config::{DatabaseArgs, ServeConfig};
use crate::domain::Mode;
use crate::domain::event::{new_webhook_secret, parse_webhook_uri};
use crate::domain::list::now;
use crate::server::{Server, shutdown_signal};
use crate::store::{SettingsChange, connect};

/// For 24 hours after a roll, deliveries carry the old secret's signature too.
const DAY_MICROS: i64 = 24 * 3600 * 1_000_000;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// paylink: a stateful server that speaks the Omise Payment Links API.
#[derive(Debug, Parser)]
#[command(name = "paylink", version, after_long_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// How log lines are written to stderr: text (coloured only on a
    /// terminal) or json, one object a line.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "PAYLINK_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: crate::telemetry::LogFormat,
}

impl Cli {
    /// What is logged when `RUST_LOG` is not set. An export reads each
    /// table in one streamed statement, and an import writes in one
    /// transaction: sqlx's warnings about long statements would be noise.
    pub fn default_log_filter(&self) -> &'static str {
        match self.command {
            Command::Export { .. } | Command::Import { .. } => "info,sqlx::query=error",
            _ => "info",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API and the payment pages.
    ///
    /// The first start on a database without an account creates one and
    /// prints its id and four keys, shown only this once (they are stored
    /// hashed); a start on a database with an account creates none.
    /// `paylink account create` makes more.
    #[command(after_long_help = SERVE_EXAMPLES)]
    Serve(ServeConfig),
    /// Pay a test link with a test card, as its payment page does, and
    /// print the charge.
    ///
    /// Works on the server's database (the same --database), with or
    /// without the server running. The card number decides the outcome, as
    /// on the payment page.
    Pay(crate::payer::PayArgs),
    /// Create or upgrade the database schema, then exit.
    #[command(after_long_help = MIGRATE_EXAMPLES)]
    Migrate(DatabaseArgs),
    /// Manage accounts and their keys.
    #[command(subcommand, after_long_help = ACCOUNT_EXAMPLES)]
    Account(AccountCommand),
    /// Write an account's links, tokens, charges, refunds and events as one
    /// JSON document (to stdout, or --out FILE).
    ///
    /// Rows are written as stored, in order, one a line; the same rows give
    /// the same bytes on SQLite and PostgreSQL. Not exported: API keys and
    /// webhook secrets (secrets), and the webhook outbox and delivery
    /// history (importing them would send webhooks again).
    #[command(after_long_help = EXPORT_EXAMPLES)]
    Export {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The account to export: its id (acct_…).
        #[arg(long, value_name = "ACCOUNT_ID")]
        account: String,
        /// Export one mode only [default: both].
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
        /// Write to FILE (complete or not at all) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Load a document `paylink export` wrote, keeping ids, times and
    /// sequence numbers, in one transaction: a malformed or conflicting
    /// document changes nothing.
    ///
    /// A new account is made with the document's id and fresh keys, printed
    /// as `account create` prints them (webhook secrets are fresh too). An
    /// existing account keeps its keys, name and creation time, and takes
    /// the import only if the document's modes have no rows in it.
    #[command(after_long_help = IMPORT_EXAMPLES)]
    Import {
        /// The document; `-` reads stdin.
        file: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print a new account's keys as one JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account and print its id and four keys (shown only once).
    #[command(after_long_help = CREATE_EXAMPLES)]
    Create {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The name payers see on the payment page [default: the account id].
        #[arg(long)]
        name: Option<String>,
        /// Print one JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Set or clear the URI an account's events of one mode are POSTed to.
    #[command(after_long_help = WEBHOOK_EXAMPLES)]
    Webhook {
        /// The account's id (acct_…), as `account create` printed it.
        account_id: String,
        /// Whose events: the test keys' or the live keys' (each mode has
        /// its own webhook URI).
        #[arg(long, value_enum)]
        mode: ModeArg,
        /// An http or https URL; an empty one turns delivery off.
        #[arg(long)]
        uri: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Print the secret that signs an account's webhooks of one mode.
    #[command(after_long_help = WEBHOOK_SECRET_EXAMPLES)]
    WebhookSecret {
        /// The account's id (acct_…), as `account create` printed it.
        account_id: String,
        /// Whose webhooks: the test keys' or the live keys' (each mode has
        /// its own secret).
        #[arg(long, value_enum)]
        mode: ModeArg,
        /// Replace the secret; for 24 hours deliveries carry both signatures.
        #[arg(long)]
        roll: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Replace an account's keys; the old keys stop working at once.
    #[command(after_long_help = ROLL_KEYS_EXAMPLES)]
    RollKeys {
        /// The account's id (acct_…), as `account create` printed it.
        account_id: String,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print one JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
}

/// Test or live, on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ModeArg {
    /// What the test keys (pkey_test_…, skey_test_…) see.
    Test,
    /// What the live keys (pkey_…, skey_…) see.
    Live,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::Test => Mode::Test,
            ModeArg::Live => Mode::Live,
        }
    }
}

/// Applies a settings change from the command line.
async fn change_settings(
    database: &DatabaseArgs,
    account_id: &str,
    mode: ModeArg,
    change: SettingsChange,
) -> Result<crate::store::AccountSettings, String> {
    let store = connect(&database.database_url, &database.pool_settings())
        .await
        .map_err(|e| e.to_string())?;
    store
        .change_settings(account_id, mode.into(), &change, &new_webhook_secret())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no account {account_id}"))
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> ExitCode {
    match execute(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("paylink: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_keys(keys: &crate::accounts::AccountKeys, json: bool) -> Result<(), String> {
    if json {
        println!(
            "{}",
            serde_json::to_string(keys).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", keys.describe());
    }
    Ok(())
}

async fn execute(command: Command) -> Result<(), String> {
    match command {
        Command::Serve(config) => serve(config).await,
        Command::Pay(args) => crate::payer::pay(args).await,
        Command::Export {
            database,
            account,
            mode,
            out,
        } => export(&database, &account, mode, out.as_deref()).await,
        Command::Import {
            file,
            database,
            json,
        } => import(&database, &file, json).await,
        Command::Migrate(db) => {
            connect(&db.database_url, &db.pool_settings())
                .await
                .map_err(|e| e.to_string())?;
            println!("database is up to date");
            Ok(())
        }
        Command::Account(AccountCommand::Create {
            database,
            json,
            name,
        }) => {
            let name = name.as_deref().map(parse_display_name).transpose()?;
            let store = connect(&database.database_url, &database.pool_settings())
                .await
                .map_err(|e| e.to_string())?;
            let keys = create_named_account(store.as_ref(), name.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            print_keys(&keys, json)
        }
        Command::Account(AccountCommand::Webhook {
            account_id,
            mode,
            uri,
            database,
        }) => {
            let uri = match uri.trim() {
                "" => None,
                raw => Some(parse_webhook_uri(raw)?),
            };
            let change = SettingsChange {
                webhook_uri: Some(uri),
                ..SettingsChange::default()
            };
            let settings = change_settings(&database, &account_id, mode, change).await?;
            match settings.webhook_uri {
                Some(uri) => println!("webhooks of {account_id} ({mode:?}) go to {uri}"),
                None => println!("webhooks of {account_id} ({mode:?}) are off"),
            }
            Ok(())
        }
        Command::Account(AccountCommand::WebhookSecret {
            account_id,
            mode,
            roll,
            database,
        }) => {
            let change = SettingsChange {
                roll_secret: roll.then(|| (new_webhook_secret(), now() + DAY_MICROS)),
                ..SettingsChange::default()
            };
            let settings = change_settings(&database, &account_id, mode, change).await?;
            println!("{}", settings.webhook_secret);
            Ok(())
        }
        Command::Account(AccountCommand::RollKeys {
            account_id,
            database,
            json,
        }) => {
            let store = connect(&database.database_url, &database.pool_settings())
                .await
                .map_err(|e| e.to_string())?;
            match roll_keys(store.as_ref(), &account_id).await {
                Ok(Some(keys)) => print_keys(&keys, json),
                Ok(None) => Err(format!("no account {account_id}")),
                Err(e) => Err(e.to_string()),
            }
        }
    }
}

async fn export(
    database: &DatabaseArgs,
    account_id: &str,
    mode: Option<ModeArg>,
    out: Option<&std::path::Path>,
) -> Result<(), String> {
    let store = connect(&database.database_url, &database.pool_settings())
        .await
        .map_err(|e| e.to_string())?;
    let modes = match mode {
        Some(mode) => vec![mode.into()],
        None => vec![Mode::Test, Mode::Live],
    };
    let started = std::time::Instant::now();
    let counts = crate::export::export(store.as_ref(), account_id, &modes, out).await?;
    if let Some(out) = out {
        eprintln!(
            "exported account {account_id} to {} in {:.1?}: {}",
            out.display(),
            started.elapsed(),
            counts.describe()
        );
    }
    Ok(())
}

async fn import(database: &DatabaseArgs, file: &std::path::Path, json: bool) -> Result<(), String> {
    let store = connect(&database.database_url, &database.pool_settings())
        .await
        .map_err(|e| e.to_string())?;
    let (outcome, keys) = crate::export::import(store.as_ref(), file)
        .await
        .map_err(|e| format!("nothing was imported: {e}"))?;
    if let Some(keys) = keys {
        print_keys(&keys, json)?;
    }
    eprintln!(
        "imported {} mode(s) into {} account: {}",
        outcome.counts.modes,
        if outcome.created {
            "a new"
        } else {
            "an existing"
        },
        outcome.counts.describe()
    );
    Ok(())
}

async fn serve(config: ServeConfig) -> Result<(), String> {
    let store = connect(
        &config.database.database_url,
        &config.database.pool_settings(),
    )
    .await
    .map_err(|e| e.to_string())?;
    // Bind first: keys shown "only this once" must not be printed by a
    // server that then cannot start.
    let server = Server::bind(&config, store.clone())
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    // A newcomer's first `paylink serve` gives a working account at once.
    let created = store.account_count().await.map_err(|e| e.to_string())? == 0;
    if created {
        let keys = create_named_account(store.as_ref(), Some(&config.account_name))
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "Created an account named {:?}; its keys are shown only this once:\n{}",
            config.account_name,
            keys.describe()
        );
    }
    if config.public_url.is_none() && server.local_addr.ip().is_unspecified() {
        tracing::warn!(
            addr = %server.local_addr,
            "listening on all interfaces without --public-url: payment links will point at \
             {} which payers cannot open; set --public-url to the address they use",
            server.public_url
        );
    }
    if created {
        println!(
            "Dashboard: {}/dashboard (sign in with the secret key test)",
            server.public_url.trim_end_matches('/')
        );
    }
    tracing::info!(addr = %server.local_addr, public_url = %server.public_url, "paylink listening");
    println!("paylink listening on http://{}", server.local_addr);
    server
        .run(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

// The examples each command's long help (`--help`) ends with.
const EXAMPLES: &str = "Examples:
  paylink serve
  paylink account create --name \"Example Shop\"
  paylink serve --help";
const SERVE_EXAMPLES: &str = "Examples:
  paylink serve
  paylink serve --addr 0.0.0.0:8080 --public-url https://pay.example.com
  paylink serve --database postgres://paylink@127.0.0.1:5432/paylink --db-acquire-timeout-ms 2000";
const MIGRATE_EXAMPLES: &str = "Examples:
  paylink migrate
  paylink migrate --database postgres://paylink@127.0.0.1:5432/paylink";
const ACCOUNT_EXAMPLES: &str = "Examples:
  paylink account create --name \"Example Shop\"
  paylink account roll-keys acct_wstltkodz39ye1tdst4";
const CREATE_EXAMPLES: &str = "Examples:
  paylink account create
  paylink account create --name \"Example Shop\" --json";
const WEBHOOK_EXAMPLES: &str = "Examples:
  paylink account webhook acct_wstltkodz39ye1tdst4 --mode test --uri https://shop.example.com/webhooks/omise
  paylink account webhook acct_wstltkodz39ye1tdst4 --mode test --uri ''   # turns delivery off";
const WEBHOOK_SECRET_EXAMPLES: &str = "Examples:
  paylink account webhook-secret acct_wstltkodz39ye1tdst4 --mode test
  paylink account webhook-secret acct_wstltkodz39ye1tdst4 --mode live --roll";
const ROLL_KEYS_EXAMPLES: &str = "Examples:
  paylink account roll-keys acct_wstltkodz39ye1tdst4
  paylink account roll-keys acct_wstltkodz39ye1tdst4 --json";
const EXPORT_EXAMPLES: &str = "Examples:
  paylink export --account acct_wstltkodz39ye1tdst4 --out acct.json
  paylink export --account acct_wstltkodz39ye1tdst4 --mode test > test.json";
const IMPORT_EXAMPLES: &str = "Examples:
  paylink import acct.json --database postgres://paylink@127.0.0.1:5432/paylink
  paylink export --account acct_wstltkodz39ye1tdst4 | paylink import - --database sqlite://copy.db";
