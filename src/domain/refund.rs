//! Refunds: money given back from a successful charge, never more in all
//! than the charge's amount.

use super::Mode;
use super::list::Micros;
use super::money::Currency;

/// A stored refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub account_id: String,
    pub mode: Mode,
    pub charge_id: String,
    /// In the charge currency's smallest unit.
    pub amount: i64,
    pub currency: Currency,
    /// The merchant's metadata, a JSON object as text.
    pub metadata: String,
    pub created_at: Micros,
}

/// A refund to make.
#[derive(Debug, Clone)]
pub struct NewRefund {
    pub id: String,
    pub account_id: String,
    pub mode: Mode,
    pub charge_id: String,
    pub amount: i64,
    pub metadata: String,
    pub now: Micros,
}

/// Why a refund was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRefusal {
    /// No such charge for this account and mode.
    ChargeNotFound,
    /// Only a successful charge can be refunded.
    NotSuccessful,
    /// The refunds would add up to more than the charge: what is left.
    ExceedsRemaining { remaining: i64 },
}

impl RefundRefusal {
    /// The `failed_refund` message; `None` for a missing charge (404).
    pub fn message(self, amount: i64) -> Option<String> {
        match self {
            RefundRefusal::ChargeNotFound => None,
            RefundRefusal::NotSuccessful => {
                Some("the charge is not successful, so it cannot be refunded".into())
            }
            RefundRefusal::ExceedsRemaining { remaining: 0 } => {
                Some("the charge has already been fully refunded".into())
            }
            RefundRefusal::ExceedsRemaining { remaining } => Some(format!(
                "amount {amount} exceeds what is left to refund on the charge ({remaining})"
            )),
        }
    }
}

/// A refund's amount as asked: a positive integer.
pub fn parse_amount(amount: Option<i64>) -> Result<i64, String> {
    match amount {
        None => Err("amount is required".into()),
        Some(a) if a <= 0 => Err("amount must be greater than 0".into()),
        // Far above any charge: keeps the sums of amounts in range.
        Some(a) if a > 1_000_000_000_000_000 => Err("amount is too large".into()),
        Some(a) => Ok(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_refusals() {
        assert_eq!(parse_amount(Some(1)), Ok(1));
        assert!(parse_amount(None).is_err());
        assert!(parse_amount(Some(0)).is_err());
        assert!(parse_amount(Some(-5)).is_err());
        assert_eq!(RefundRefusal::ChargeNotFound.message(5), None);
        assert!(
            RefundRefusal::ExceedsRemaining { remaining: 300 }
                .message(500)
                .unwrap()
                .contains("(300)")
        );
        assert!(
            RefundRefusal::ExceedsRemaining { remaining: 0 }
                .message(500)
                .unwrap()
                .contains("fully refunded")
        );
    }
}
