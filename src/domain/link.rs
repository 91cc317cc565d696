//! The payment link.

use super::Mode;
use super::list::Micros;
use super::money::{Amount, Currency};
use thiserror::Error;

pub const MAX_TITLE_CHARS: usize = 255;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A stored payment link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub id: String,
    pub account_id: String,
    pub mode: Mode,
    pub amount: i64,
    pub currency: Currency,
    pub title: String,
    pub description: String,
    pub multiple: bool,
    pub used_at: Option<Micros>,
    pub deleted_at: Option<Micros>,
    pub created_at: Micros,
    /// The 3-D Secure charge a single-use link waits on: no other payment
    /// is taken until it completes.
    pub pending_charge_id: Option<String>,
}

impl Link {
    /// A single-use link with a successful charge.
    pub fn used(&self) -> bool {
        self.used_at.is_some()
    }

    pub fn deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Whether a payer may pay it now.
    pub fn accepts_payment(&self) -> bool {
        !self.used() && !self.deleted() && self.pending_charge_id.is_none()
    }
}

/// A link that passed validation, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    pub amount: Amount,
    pub currency: Currency,
    pub title: String,
    pub description: String,
    pub multiple: bool,
}

/// The message of an `invalid_link` error.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0}")]
pub struct InvalidLink(pub String);

impl NewLink {
    /// The link this makes, unused and undeleted, created at `now`.
    pub fn into_link(self, id: String, account_id: String, mode: Mode, now: Micros) -> Link {
        Link {
            id,
            account_id,
            mode,
            amount: self.amount.get(),
            currency: self.currency,
            title: self.title,
            description: self.description,
            multiple: self.multiple,
            used_at: None,
            deleted_at: None,
            created_at: now,
            pending_charge_id: None,
        }
    }

    /// Validates the parameters of `POST /links`; `None` means not given.
    pub fn parse(
        amount: Option<i64>,
        currency: Option<&str>,
        title: Option<&str>,
        description: Option<&str>,
        multiple: bool,
    ) -> Result<NewLink, InvalidLink> {
        let invalid = |m: &str| InvalidLink(m.to_owned());
        let amount = amount.ok_or_else(|| invalid("amount is required"))?;
        let currency = currency.ok_or_else(|| invalid("currency is required"))?;
        let currency = Currency::parse(currency.trim()).map_err(|e| InvalidLink(e.to_string()))?;
        let amount = currency
            .check_amount(amount)
            .map_err(|e| InvalidLink(e.to_string()))?;
        let title = title.map(str::trim).unwrap_or_default();
        if title.is_empty() {
            return Err(invalid("title is required"));
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(InvalidLink(format!(
                "title is too long (at most {MAX_TITLE_CHARS} characters)"
            )));
        }
        let description = description.ok_or_else(|| invalid("description is required"))?;
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(InvalidLink(format!(
                "description is too long (at most {MAX_DESCRIPTION_CHARS} characters)"
            )));
        }
        if title.contains('\0') || description.contains('\0') {
            return Err(invalid(
                "title and description must not contain NUL characters",
            ));
        }
        Ok(NewLink {
            amount,
            currency,
            title: title.to_owned(),
            description: description.to_owned(),
            multiple,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(amount: i64, currency: &str, title: &str) -> Result<NewLink, InvalidLink> {
        NewLink::parse(Some(amount), Some(currency), Some(title), Some(""), false)
    }

    #[test]
    fn validates_every_field() {
        let ok = parse(100000, "thb", "Order-384").unwrap();
        assert_eq!(ok.currency, Currency::Thb);
        assert_eq!(ok.amount.get(), 100000);
        assert_eq!(
            parse(1999, "THB", "x").unwrap_err().0,
            "amount must be at least 2000 (฿20.00) in the smallest unit of THB"
        );
        assert_eq!(
            parse(2000, "XXX", "x").unwrap_err().0,
            "currency is not supported"
        );
        assert_eq!(parse(2000, "THB", "  ").unwrap_err().0, "title is required");
        assert!(parse(2000, "THB", &"t".repeat(256)).is_err());
        assert!(parse(2000, "THB", &"ท".repeat(255)).is_ok());
        let missing = NewLink::parse(None, Some("THB"), Some("t"), Some(""), false);
        assert_eq!(missing.unwrap_err().0, "amount is required");
        let no_desc = NewLink::parse(Some(2000), Some("THB"), Some("t"), None, false);
        assert_eq!(no_desc.unwrap_err().0, "description is required");
        let long = "d".repeat(1001);
        assert!(NewLink::parse(Some(2000), Some("THB"), Some("t"), Some(&long), false).is_err());
    }
}
