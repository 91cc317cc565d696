//! The command line: `serve`, `migrate`, `account create`, `account roll-keys`.

use crate::accounts::{create_account, roll_keys};
use crate::config::{DatabaseArgs, ServeConfig};
use crate::server::{Server, shutdown_signal};
use crate::store::connect;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// paylink: a stateful server that speaks the Omise Payment Links API.
#[derive(Debug, Parser)]
#[command(name = "paylink", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API and the payment pages.
    Serve(ServeConfig),
    /// Create or upgrade the database schema, then exit.
    Migrate(DatabaseArgs),
    /// Manage accounts and their keys.
    #[command(subcommand)]
    Account(AccountCommand),
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account and print its id and four keys (shown only once).
    Create {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print one JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Replace an account's keys; the old keys stop working at once.
    RollKeys {
        account_id: String,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print one JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
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
        Command::Migrate(db) => {
            connect(&db.database_url, &db.pool_settings())
                .await
                .map_err(|e| e.to_string())?;
            println!("database is up to date");
            Ok(())
        }
        Command::Account(AccountCommand::Create { database, json }) => {
            let store = connect(&database.database_url, &database.pool_settings())
                .await
                .map_err(|e| e.to_string())?;
            let keys = create_account(store.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            print_keys(&keys, json)
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

async fn serve(config: ServeConfig) -> Result<(), String> {
    let store = connect(
        &config.database.database_url,
        &config.database.pool_settings(),
    )
    .await
    .map_err(|e| e.to_string())?;
    // A newcomer's first `paylink serve` gives a working account at once.
    if store.account_count().await.map_err(|e| e.to_string())? == 0 {
        let keys = create_account(store.as_ref())
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "Created an account; its keys are shown only this once:\n{}",
            keys.describe()
        );
    }
    let server = Server::bind(&config, store)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    tracing::info!(addr = %server.local_addr, public_url = %server.public_url, "paylink listening");
    println!("paylink listening on http://{}", server.local_addr);
    server
        .run(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}
