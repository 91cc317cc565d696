//! The HTTP suite: the real server, spoken to as the official clients do.

mod authorize;
mod browser;
mod cli;
mod clients;
mod dashboard;
mod dashboard_events;
mod encodings;
mod errors;
mod events;
mod export;
mod fuzz;
mod hardening;
mod helpers;
mod links;
mod lists;
mod operations;
mod pages;
mod pay_command;
mod payments;
mod postgres;
mod readme;
mod refunds;
mod replays;
mod schemathesis;
mod search;
mod webhooks;
