//! paylink: a stateful server that speaks the Omise Payment Links API.

// The charge object has more fields than serde_json::json! expands by default.
#![recursion_limit = "256"]

pub mod accounts;
pub mod api;
pub mod cli;
pub mod config;
pub mod connections;
pub mod dashboard;
pub mod domain;
pub mod export;
pub mod metrics;
pub mod pages;
pub mod payer;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod upkeep;
pub mod webhooks;
