//! `paylink pay`: pays a test link from the command line with a test card,
//! through the payment page's own steps (the card's checks, a token, the
//! payment), and prints the charge as `GET /charges/{id}` shows it.

use crate::api::error::ApiError;
use crate::api::objects::ChargeObject;
use crate::api::version::Version;
use crate::api::{ApiConfig, AppState, Shared};
use crate::config::DatabaseArgs;
use crate::domain::Mode;
use crate::domain::card::{CardInput, problems};
use crate::domain::charge::{ChargeStatus, PayRefusal};
use crate::domain::link::Link;
use crate::domain::list::now;
use crate::store::{Store, connect};
use std::sync::Arc;

/// The card `paylink pay` uses unless told otherwise: it succeeds.
pub const DEFAULT_CARD: &str = "4242424242424242";

/// What `paylink pay` was asked.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    paylink pay link_test_5x8jg7s0ujw9ouk2ugc\n  \
    paylink pay http://127.0.0.1:8080/pay/5X8JG7S0UJW9OUK2UGC --card 4111111111140011\n  \
    paylink pay link_test_5x8jg7s0ujw9ouk2ugc --card 4000000000003220   # 3-D Secure")]
pub struct PayArgs {
    /// The link: its id (`link_test_…`) or its `payment_uri`.
    pub link: String,
    /// The card number; the test cards decide the outcome (4242424242424242
    /// succeeds, 4111111111140011 fails, 4000000000003220 asks for 3-D
    /// Secure).
    #[arg(long, default_value = DEFAULT_CARD)]
    pub card: String,
    /// The cardholder's name.
    #[arg(long, default_value = "Test Payer")]
    pub name: String,
    /// The security code [default: 123, or 1234 for American Express].
    #[arg(long)]
    pub security_code: Option<String>,
    /// The expiry as MM/YYYY [default: December of next year].
    #[arg(long, value_name = "MM/YYYY")]
    pub expiry: Option<String>,
    /// The server's address as payers reach it, for the charge's
    /// `authorize_uri` [default: the payment_uri's, else
    /// http://127.0.0.1:8080].
    #[arg(long, env = "PAYLINK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// How long a 3-D Secure charge waits for the payer at the test bank,
    /// as `serve` sets it.
    #[arg(long, env = "PAYLINK_AUTHORIZE_TIMEOUT", default_value = "15m", value_parser = crate::config::parse_duration)]
    pub authorize_timeout: std::time::Duration,
    /// The charge in the older 2015-11-17 shape.
    #[arg(long)]
    pub legacy: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// A link named on the command line: an id, or the code of a payment_uri
/// and the server's address before it.
#[derive(Debug, PartialEq, Eq)]
enum Named {
    Id(String),
    Code { code: String, base: String },
}

fn named(raw: &str) -> Result<Named, String> {
    let raw = raw.trim();
    if let Some((base, code)) = raw.rsplit_once("/pay/") {
        let code = code.trim_end_matches('/');
        if base.contains("://") && !code.is_empty() && !code.contains(['/', '?', '#']) {
            return Ok(Named::Code {
                code: code.to_owned(),
                base: base.to_owned(),
            });
        }
    }
    if raw.starts_with("link_") {
        return Ok(Named::Id(raw.to_owned()));
    }
    Err(format!(
        "{raw:?} is neither a link id (link_test_…) nor a payment_uri (http://…/pay/CODE)"
    ))
}

/// An expiry typed as MM/YYYY (or MM/YY).
fn expiry(raw: Option<&str>, today: (i32, u8)) -> Result<(i64, i64), String> {
    let Some(raw) = raw else {
        return Ok((12, i64::from(today.0) + 1));
    };
    let parsed = raw.split_once('/').and_then(|(month, year)| {
        let month = month.trim().parse::<i64>().ok()?;
        let year = year.trim().parse::<i64>().ok()?;
        Some((month, if year < 100 { 2000 + year } else { year }))
    });
    parsed.ok_or_else(|| format!("--expiry {raw:?} is not MM/YYYY"))
}

/// The printed security code when none is given: American Express prints
/// four digits, the others three.
fn default_security_code(number: &str) -> &'static str {
    let digits = number.trim_start_matches([' ', '-']);
    if digits.starts_with("34") || digits.starts_with("37") {
        "1234"
    } else {
        "123"
    }
}

/// Why a link takes no payment now, as the payment page would say it.
fn refusal(link: &Link) -> Option<String> {
    let id = &link.id;
    if link.deleted() {
        Some(format!("link {id} is deleted"))
    } else if link.used() {
        Some(format!("link {id} is single-use and paid already"))
    } else if let Some(charge) = &link.pending_charge_id {
        Some(format!(
            "link {id} waits for 3-D Secure on charge {charge}: authenticate or fail it first"
        ))
    } else if link.mode == Mode::Live {
        Some(format!(
            "link {id} is a live link: paylink pay pays test links only"
        ))
    } else {
        None
    }
}

fn refused(link: &Link, why: PayRefusal) -> String {
    let id = &link.id;
    match why {
        PayRefusal::LinkUnavailable => format!("link {id} is deleted"),
        PayRefusal::LinkUsed => format!("link {id} is single-use and paid already"),
        PayRefusal::PaymentInProgress => {
            format!("link {id} waits for 3-D Secure on another charge")
        }
        PayRefusal::TokenUsed | PayRefusal::TokenNotFound => {
            format!("the card's token for link {id} was refused")
        }
    }
}

/// An error of the page's steps as a person reads it: the cause itself,
/// which the API would keep for its log.
fn said(e: ApiError) -> String {
    match e {
        ApiError::Internal(cause) | ApiError::Database(cause) => cause,
        ApiError::Unavailable => "the database cannot be reached".to_owned(),
        e => format!("{} ({})", e.message(), e.code()),
    }
}

/// Runs `paylink pay`: prints the charge (JSON) on stdout and what
/// happened on stderr.
pub async fn pay(args: PayArgs) -> Result<(), String> {
    let named = named(&args.link)?;
    let store: Arc<dyn Store> =
        connect(&args.database.database_url, &args.database.pool_settings())
            .await
            .map_err(|e| e.to_string())?;
    let public_url = match (&args.public_url, &named) {
        (Some(url), _) => url.trim_end_matches('/').to_owned(),
        (None, Named::Code { base, .. }) => base.clone(),
        (None, Named::Id(_)) => "http://127.0.0.1:8080".to_owned(),
    };
    let state = AppState::new(Shared {
        store,
        config: Arc::new(ApiConfig {
            body_limit: 0,
            live_payments: false,
            authorize_timeout: args.authorize_timeout.as_micros() as i64,
        }),
        public_url: public_url.clone().into(),
        cache: Default::default(),
        metrics: Default::default(),
    });
    let link = match &named {
        Named::Id(id) => state
            .store
            .link_by_id(id)
            .await
            .map_err(|e| e.to_string())?,
        Named::Code { code, .. } => crate::pages::link_for_code(&state, code)
            .await
            .map_err(said)?,
    }
    .ok_or_else(|| format!("no link {}", args.link.trim()))?;
    if let Some(why) = refusal(&link) {
        return Err(why);
    }

    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let today = (i32::from(today.year()), today.month() as u8);
    let (expiration_month, expiration_year) = expiry(args.expiry.as_deref(), today)?;
    let security_code = args
        .security_code
        .clone()
        .unwrap_or_else(|| default_security_code(&args.card).to_owned());
    let card = CardInput {
        name: &args.name,
        number: args.card.trim(),
        expiration_month,
        expiration_year,
        security_code: Some(security_code.trim()),
    };
    let wrong = problems(&card, today);
    if !wrong.is_empty() {
        let wrong: Vec<String> = wrong.iter().map(ToString::to_string).collect();
        return Err(format!("the card is refused: {}", wrong.join("; ")));
    }

    let charge = crate::pages::pay_with_card(&state, &link, &card)
        .await
        .map_err(said)?
        .map_err(|why| refused(&link, why))?;
    let version = if args.legacy {
        Version::Legacy
    } else {
        Version::Current
    };
    let object = ChargeObject::new(&public_url, &charge, version, now());
    let json = serde_json::to_string_pretty(&object).map_err(|e| e.to_string())?;
    println!("{json}");
    match charge.status {
        ChargeStatus::Pending => eprintln!(
            "charge {} waits for 3-D Secure: open {}/authorize/{} to authenticate or fail it",
            charge.id, public_url, charge.id
        ),
        ChargeStatus::Failed(code) => eprintln!(
            "charge {} failed: {} ({})",
            charge.id,
            code.message(),
            code.code()
        ),
        status => eprintln!("charge {} is {}", charge.id, status.as_str()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_named_by_id_or_payment_uri() {
        assert_eq!(
            named(" link_test_abc ").unwrap(),
            Named::Id("link_test_abc".into())
        );
        assert_eq!(
            named("http://127.0.0.1:8080/pay/ABC").unwrap(),
            Named::Code {
                code: "ABC".into(),
                base: "http://127.0.0.1:8080".into()
            }
        );
        assert_eq!(
            named("https://pay.example/shop/pay/ABC/").unwrap(),
            Named::Code {
                code: "ABC".into(),
                base: "https://pay.example/shop".into()
            }
        );
        assert!(named("chrg_test_abc").is_err());
        assert!(named("http://127.0.0.1:8080/pay/ABC/charges/x").is_err());
    }

    #[test]
    fn expiries_default_to_next_december() {
        assert_eq!(expiry(None, (2026, 12)).unwrap(), (12, 2027));
        assert_eq!(expiry(Some("03/2030"), (2026, 12)).unwrap(), (3, 2030));
        assert_eq!(expiry(Some("3/30"), (2026, 12)).unwrap(), (3, 2030));
        assert!(expiry(Some("2030"), (2026, 12)).is_err());
    }

    #[test]
    fn american_express_prints_four_digits() {
        assert_eq!(default_security_code("378282246310005"), "1234");
        assert_eq!(default_security_code("4242424242424242"), "123");
    }
}
