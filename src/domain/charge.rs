//! Tokens, the card they carry, and charges.

use super::Mode;
use super::card::{Card, FailureCode, Outcome};
use super::list::Micros;
use super::money::Currency;
use super::refund::Refund;
use serde::{Deserialize, Serialize};

/// The card as stored with a token and copied onto its charge: never the
/// full number, never the security code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCard {
    pub id: String,
    pub brand: String,
    pub last_digits: String,
    pub bin: String,
    pub name: String,
    pub expiration_month: u8,
    pub expiration_year: u16,
    pub fingerprint: String,
    pub country: String,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub financing: String,
    pub created_at: Micros,
    /// Whether the card came with a security code, which was checked. A
    /// card stored before this was recorded always had one: such a row, or
    /// an export document written then, reads as `true`.
    #[serde(default = "checked_before")]
    pub security_code_check: bool,
}

/// What a card stored without `security_code_check` had: a checked code.
fn checked_before() -> bool {
    true
}

impl StoredCard {
    pub fn new(
        id: String,
        card: &Card,
        city: Option<String>,
        postal_code: Option<String>,
        created_at: Micros,
    ) -> StoredCard {
        StoredCard {
            id,
            brand: card.brand.name().to_owned(),
            last_digits: card.last_digits.clone(),
            bin: card.bin.clone(),
            name: card.name.clone(),
            expiration_month: card.expiration_month,
            expiration_year: card.expiration_year,
            fingerprint: card.fingerprint.clone(),
            // No card network stands behind paylink, so there is no issuer
            // to tell the country; "us" is what Omise reports for its test cards.
            country: "us".to_owned(),
            city,
            postal_code,
            financing: "credit".to_owned(),
            created_at,
            security_code_check: card.security_code_check,
        }
    }
}

/// A card token, made with a public key and used by at most one charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: String,
    pub account_id: String,
    pub mode: Mode,
    pub card: StoredCard,
    /// What the simulated processor does with a charge on this card.
    pub outcome: Outcome,
    pub used: bool,
    pub created_at: Micros,
}

/// Where a charge is in its life. Most are decided at once; a 3-D Secure
/// charge is `pending` until the payer passes or fails authentication, or
/// until it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeStatus {
    Successful,
    Failed(FailureCode),
    Pending,
    Expired,
}

impl ChargeStatus {
    pub fn from_outcome(outcome: Outcome) -> ChargeStatus {
        match outcome {
            Outcome::Success => ChargeStatus::Successful,
            Outcome::Decline(code) => ChargeStatus::Failed(code),
            Outcome::Authenticate => ChargeStatus::Pending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChargeStatus::Successful => "successful",
            ChargeStatus::Failed(_) => "failed",
            ChargeStatus::Pending => "pending",
            ChargeStatus::Expired => "expired",
        }
    }

    /// The stored status and failure code.
    pub fn parse(status: &str, failure: Option<FailureCode>) -> Option<ChargeStatus> {
        match (status, failure) {
            ("successful", None) => Some(ChargeStatus::Successful),
            ("failed", Some(code)) => Some(ChargeStatus::Failed(code)),
            ("pending", None) => Some(ChargeStatus::Pending),
            ("expired", None) => Some(ChargeStatus::Expired),
            _ => None,
        }
    }

    pub fn paid(self) -> bool {
        self == ChargeStatus::Successful
    }

    pub fn failure(self) -> Option<FailureCode> {
        match self {
            ChargeStatus::Failed(code) => Some(code),
            _ => None,
        }
    }
}

/// A charge made by paying a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: String,
    pub account_id: String,
    pub mode: Mode,
    pub link_id: String,
    pub amount: i64,
    pub currency: Currency,
    pub description: String,
    pub status: ChargeStatus,
    pub card: StoredCard,
    pub ip: Option<String>,
    pub created_at: Micros,
    /// Whether it went through 3-D Secure at the test bank.
    pub authorize: bool,
    /// When a pending charge expires.
    pub authorize_expires_at: Option<Micros>,
    /// When it left `pending` (authenticated, failed or expired).
    pub completed_at: Option<Micros>,
    /// A failure message of its own, instead of its code's.
    pub failure_message: Option<String>,
    /// What its refunds add up to, never more than `amount`.
    pub refunded_amount: i64,
    pub refund_count: i64,
    /// Its first page of refunds (up to 20), as the charge object embeds.
    pub refunds: Vec<Refund>,
}

/// How a pending charge ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// The payer passed authentication (or `mark_as_paid`).
    Paid,
    /// The payer failed authentication (or `mark_as_failed`).
    Failed,
    /// Nobody completed it in time.
    Expired,
}

impl Completion {
    /// The status it leaves the charge in.
    pub fn status(self) -> ChargeStatus {
        match self {
            Completion::Paid => ChargeStatus::Successful,
            Completion::Failed => ChargeStatus::Failed(FailureCode::FailedProcessing),
            Completion::Expired => ChargeStatus::Expired,
        }
    }

    /// The failure message it leaves, if it is not its code's own.
    pub fn failure_message(self) -> Option<&'static str> {
        match self {
            Completion::Failed => Some("3-D Secure authentication failed"),
            _ => None,
        }
    }
}

impl Charge {
    /// When it was paid: at once, or when authentication passed.
    pub fn paid_at(&self) -> Option<Micros> {
        self.status
            .paid()
            .then(|| self.completed_at.unwrap_or(self.created_at))
    }

    /// Whether some of it may still be refunded.
    pub fn refundable(&self) -> bool {
        self.status.paid() && self.refunded_amount < self.amount
    }
}

/// Omise's published Thai rate: 3.65% plus 7% VAT on the fee.
pub const FEE_RATE_BASIS_POINTS: i64 = 365;
pub const VAT_RATE_PERCENT: i64 = 7;

/// The fee, its VAT and the net, in minor units, rounded half up. A failed
/// charge moves no money, so all three are zero.
pub fn fees(amount: i64, status: ChargeStatus) -> (i64, i64, i64) {
    if !status.paid() {
        return (0, 0, 0);
    }
    let fee = (amount.saturating_mul(FEE_RATE_BASIS_POINTS) + 5_000) / 10_000;
    let vat = (fee * VAT_RATE_PERCENT + 50) / 100;
    (fee, vat, amount - fee - vat)
}

/// A charge's `description`: the link's title, a blank line, its description.
pub fn describe(title: &str, description: &str) -> String {
    format!("{title}\n\n{description}")
}

/// Why a payment did not make a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayRefusal {
    /// The link is deleted or does not exist for this code.
    LinkUnavailable,
    /// A single-use link already has its successful charge.
    LinkUsed,
    /// A single-use link whose 3-D Secure payment is still in progress.
    PaymentInProgress,
    /// The token was already used, or is not this link's account and mode.
    TokenUsed,
    TokenNotFound,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_are_integers_rounded_half_up() {
        // 3.65% of 1,000.00 THB is 36.50; VAT 7% of that is 2.555 -> 2.56.
        assert_eq!(
            fees(100_000, ChargeStatus::Successful),
            (3_650, 256, 96_094)
        );
        assert_eq!(fees(2_000, ChargeStatus::Successful), (73, 5, 1_922));
        let failed = ChargeStatus::Failed(FailureCode::InsufficientFund);
        assert_eq!(fees(100_000, failed), (0, 0, 0));
    }

    #[test]
    fn status_words() {
        assert_eq!(ChargeStatus::Successful.as_str(), "successful");
        let failed = ChargeStatus::from_outcome(Outcome::Decline(FailureCode::PaymentRejected));
        assert_eq!(failed.as_str(), "failed");
        assert!(!failed.paid());
        assert_eq!(failed.failure(), Some(FailureCode::PaymentRejected));
    }

    #[test]
    fn a_stored_card_from_before_security_code_check_had_a_checked_code() {
        // A card as rows and export documents held it before the field.
        let before = r#"{"id":"card_test_0000000000000000000","brand":"Visa","last_digits":"4242","bin":"424242","name":"A","expiration_month":12,"expiration_year":2040,"fingerprint":"f","country":"us","city":null,"postal_code":null,"financing":"credit","created_at":1}"#;
        let card: StoredCard = serde_json::from_str(before).unwrap();
        assert!(card.security_code_check);
        // Written now, the value is kept either way.
        for checked in [false, true] {
            let card = StoredCard {
                security_code_check: checked,
                ..card.clone()
            };
            let text = serde_json::to_string(&card).unwrap();
            assert!(text.contains(&format!("\"security_code_check\":{checked}")));
            assert_eq!(serde_json::from_str::<StoredCard>(&text).unwrap(), card);
        }
    }
}
