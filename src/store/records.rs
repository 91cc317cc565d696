//! An account's stored rows as plain records, for `paylink export` and
//! `paylink import`: the columns as stored (times in microseconds, JSON
//! columns as the text kept), without the account and mode every row of a
//! mode shares, and without the global link numbering (`links.seq`), which
//! an import renumbers in the same order.
//!
//! Field order is the document's key order; an import refuses unknown keys.

use crate::domain::{Micros, Mode};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The account itself; its keys are never exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRecord {
    pub id: String,
    pub created_at: Micros,
    pub display_name: Option<String>,
}

/// A mode's settings, without its webhook secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsRecord {
    pub webhook_uri: Option<String>,
    pub api_version: String,
}

/// The last number given in one numbering of an account and mode, and the
/// time of its row (times never go backwards along a numbering).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterRecord {
    pub last_seq: i64,
    pub last_at: Micros,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountersRecord {
    pub charges: CounterRecord,
    pub events: CounterRecord,
    pub refunds: CounterRecord,
}

/// The head of one mode: its rows follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeRecord {
    pub livemode: bool,
    pub settings: Option<SettingsRecord>,
    pub counters: CountersRecord,
}

impl ModeRecord {
    pub fn mode(&self) -> Mode {
        Mode::from_live(self.livemode)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRecord {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub title: String,
    pub description: String,
    pub multiple: bool,
    /// How many charges the link has: the last of their `link_seq`.
    pub charge_count: i64,
    pub used_at: Option<Micros>,
    pub deleted_at: Option<Micros>,
    pub created_at: Micros,
    pub pending_charge_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRecord {
    pub id: String,
    /// The card as stored: JSON text.
    pub card: String,
    pub outcome: Option<String>,
    pub used: bool,
    pub created_at: Micros,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChargeRecord {
    pub id: String,
    pub account_seq: i64,
    pub link_id: String,
    pub link_seq: i64,
    pub token_id: String,
    pub amount: i64,
    pub currency: String,
    pub description: String,
    pub status: String,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    /// The card as stored: JSON text.
    pub card: String,
    pub ip: Option<String>,
    pub created_at: Micros,
    pub refunded_amount: i64,
    pub refund_count: i64,
    pub authorize: bool,
    pub authorize_expires_at: Option<Micros>,
    pub completed_at: Option<Micros>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundRecord {
    pub id: String,
    pub account_seq: i64,
    pub charge_id: String,
    pub charge_seq: i64,
    pub amount: i64,
    pub currency: String,
    /// JSON text.
    pub metadata: String,
    pub created_at: Micros,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    pub id: String,
    pub account_seq: i64,
    pub key: String,
    pub charge_id: Option<String>,
    /// The object's columns when the event happened: JSON text.
    pub data: String,
    pub created_at: Micros,
}

/// One record of an export, in the order a document holds them: the
/// account, then for each mode its head and its links, tokens, charges,
/// refunds and events (each table in its numbering's order), then `End`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportItem {
    Account(AccountRecord),
    Mode(ModeRecord),
    Link(LinkRecord),
    Token(TokenRecord),
    Charge(Box<ChargeRecord>),
    Refund(RefundRecord),
    Event(EventRecord),
    /// The whole document has been read: only then does an import commit.
    End,
}

impl ExportItem {
    /// The section a row belongs in: its place among the mode's tables.
    pub fn section(&self) -> Option<Section> {
        match self {
            ExportItem::Link(_) => Some(Section::Links),
            ExportItem::Token(_) => Some(Section::Tokens),
            ExportItem::Charge(_) => Some(Section::Charges),
            ExportItem::Refund(_) => Some(Section::Refunds),
            ExportItem::Event(_) => Some(Section::Events),
            _ => None,
        }
    }
}

/// A mode's tables, in document order: each refers only to earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Links,
    Tokens,
    Charges,
    Refunds,
    Events,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::Links,
        Section::Tokens,
        Section::Charges,
        Section::Refunds,
        Section::Events,
    ];

    /// The document's key, and the table's name.
    pub fn name(self) -> &'static str {
        match self {
            Section::Links => "links",
            Section::Tokens => "tokens",
            Section::Charges => "charges",
            Section::Refunds => "refunds",
            Section::Events => "events",
        }
    }
}

/// How many rows of each kind an export or import moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferCounts {
    pub modes: u64,
    pub links: u64,
    pub tokens: u64,
    pub charges: u64,
    pub refunds: u64,
    pub events: u64,
}

impl TransferCounts {
    /// Counts one item.
    pub fn add(&mut self, item: &ExportItem) {
        match item {
            ExportItem::Mode(_) => self.modes += 1,
            ExportItem::Link(_) => self.links += 1,
            ExportItem::Token(_) => self.tokens += 1,
            ExportItem::Charge(_) => self.charges += 1,
            ExportItem::Refund(_) => self.refunds += 1,
            ExportItem::Event(_) => self.events += 1,
            ExportItem::Account(_) | ExportItem::End => {}
        }
    }

    pub fn rows(&self) -> u64 {
        self.links + self.tokens + self.charges + self.refunds + self.events
    }

    /// `3 links, 2 tokens, …` for a summary line.
    pub fn describe(&self) -> String {
        format!(
            "{} links, {} tokens, {} charges, {} refunds, {} events",
            self.links, self.tokens, self.charges, self.refunds, self.events
        )
    }
}

/// Why an export or import stopped.
#[derive(Debug, Error)]
pub enum TransferError {
    #[error(transparent)]
    Store(#[from] super::StoreError),
    /// The document cannot be imported as it is; nothing was written.
    #[error("{0}")]
    Refused(String),
    /// The export's output cannot be written.
    #[error("cannot write the export: {0}")]
    Output(#[from] std::io::Error),
}

impl From<sqlx::Error> for TransferError {
    fn from(e: sqlx::Error) -> Self {
        TransferError::Store(e.into())
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOutcome {
    /// The account was made by the import (and has the keys given).
    pub created: bool,
    pub counts: TransferCounts,
}
