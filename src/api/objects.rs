//! The Omise objects as typed, borrowed views: serialized field by field,
//! in the order Omise sends them, without building a JSON tree first.

use super::version::Version;
use crate::domain::charge::{Charge, ChargeStatus, StoredCard, Token, fees};
use crate::domain::event::{Event, EventData, EventKey, WebhookDelivery};
use crate::domain::link::Link;
use crate::domain::list::{ListWindow, Micros, Page, format_time};
use crate::domain::refund::Refund;
use crate::domain::{Mode, id::payment_code};
use serde::Serialize;

/// `null` on the wire, for fields paylink has no meaning for.
type Null = Option<()>;

const WEEK_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;

/// `created_at` in the current shape, `created` in the legacy one.
#[derive(Serialize)]
pub struct Stamp {
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
}

impl Stamp {
    fn new(at: Micros, version: Version) -> Stamp {
        let time = Some(format_time(at));
        match version {
            Version::Current => Stamp {
                created: None,
                created_at: time,
            },
            Version::Legacy => Stamp {
                created: time,
                created_at: None,
            },
        }
    }
}

fn currency_code(currency: crate::domain::money::Currency, version: Version) -> &'static str {
    match version {
        Version::Current => currency.code(),
        Version::Legacy => currency.code_lower(),
    }
}

/// The list object around one page.
#[derive(Serialize)]
pub struct ListObject<T> {
    object: &'static str,
    data: Vec<T>,
    limit: u32,
    offset: u64,
    total: u64,
    order: &'static str,
    location: String,
    from: String,
    to: String,
}

impl<T> ListObject<T> {
    pub fn new(data: Vec<T>, total: u64, window: &ListWindow, location: String) -> Self {
        ListObject {
            object: "list",
            data,
            limit: window.limit,
            offset: window.offset,
            total,
            order: window.order.as_str(),
            location,
            from: format_time(window.from),
            to: format_time(window.to),
        }
    }
}

/// The card object, as on a token and on a charge.
#[derive(Serialize)]
pub struct CardObject<'a> {
    object: &'static str,
    id: &'a str,
    livemode: bool,
    location: Null,
    deleted: bool,
    street1: Null,
    street2: Null,
    city: Option<&'a str>,
    state: Null,
    phone_number: Null,
    postal_code: Option<&'a str>,
    country: &'a str,
    financing: &'a str,
    bank: Null,
    brand: &'a str,
    fingerprint: &'a str,
    first_digits: Null,
    last_digits: &'a str,
    name: &'a str,
    expiration_month: u8,
    expiration_year: u16,
    security_code_check: bool,
    tokenization_method: Null,
    #[serde(flatten)]
    stamp: Stamp,
}

impl<'a> CardObject<'a> {
    pub fn new(card: &'a StoredCard, mode: Mode, version: Version) -> Self {
        CardObject {
            object: "card",
            id: &card.id,
            livemode: mode.is_live(),
            location: None,
            deleted: false,
            street1: None,
            street2: None,
            city: card.city.as_deref(),
            state: None,
            phone_number: None,
            postal_code: card.postal_code.as_deref(),
            country: &card.country,
            financing: &card.financing,
            bank: None,
            brand: &card.brand,
            fingerprint: &card.fingerprint,
            first_digits: None,
            last_digits: &card.last_digits,
            name: &card.name,
            expiration_month: card.expiration_month,
            expiration_year: card.expiration_year,
            security_code_check: card.security_code_check,
            tokenization_method: None,
            stamp: Stamp::new(card.created_at, version),
        }
    }
}

/// The token object.
#[derive(Serialize)]
pub struct TokenObject<'a> {
    object: &'static str,
    id: &'a str,
    livemode: bool,
    location: String,
    used: bool,
    charge_status: &'static str,
    card: CardObject<'a>,
    #[serde(flatten)]
    stamp: Stamp,
}

impl<'a> TokenObject<'a> {
    pub fn new(token: &'a Token, version: Version) -> Self {
        TokenObject {
            object: "token",
            id: &token.id,
            livemode: token.mode.is_live(),
            location: format!("/tokens/{}", token.id),
            used: token.used,
            charge_status: "unknown",
            card: CardObject::new(&token.card, token.mode, version),
            stamp: Stamp::new(token.created_at, version),
        }
    }
}

#[derive(Serialize)]
struct TransactionFees {
    fee_flat: &'static str,
    fee_rate: &'static str,
    vat_rate: &'static str,
}

#[derive(Serialize)]
struct PlatformFee {
    fixed: Null,
    amount: Null,
    percentage: Null,
}

#[derive(Serialize)]
struct Metadata {}

/// The charge object with every field of the real one.
#[derive(Serialize)]
pub struct ChargeObject<'a> {
    object: &'static str,
    id: &'a str,
    livemode: bool,
    location: String,
    amount: i64,
    acquirer_reference_number: Null,
    authorization_type: Null,
    authorized_amount: i64,
    branch: Null,
    captured_amount: i64,
    currency: &'static str,
    description: &'a str,
    device: Null,
    metadata: Metadata,
    status: &'static str,
    paid: bool,
    paid_at: Option<String>,
    authorized: bool,
    capturable: bool,
    capture: bool,
    net: i64,
    fee: i64,
    fee_vat: i64,
    interest: i64,
    interest_vat: i64,
    /// 2015-11-17 says `refunded` for the refunded amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    refunded: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refunded_amount: Option<i64>,
    funding_amount: i64,
    funding_currency: &'static str,
    transaction_fees: TransactionFees,
    refunds: ListObject<RefundObject<'a>>,
    link: &'a str,
    card: CardObject<'a>,
    customer: Null,
    source: Null,
    schedule: Null,
    dispute: Null,
    transaction: Null,
    terminal: Null,
    platform_fee: PlatformFee,
    failure_code: Option<&'static str>,
    failure_message: Option<&'a str>,
    merchant_advice: Null,
    merchant_advice_code: Null,
    ip: Option<&'a str>,
    return_uri: Option<String>,
    authorize_uri: Option<String>,
    reversed: bool,
    reversible: bool,
    refundable: bool,
    partially_refundable: bool,
    voided: bool,
    disputable: bool,
    expired: bool,
    expires_at: String,
    expired_at: Option<String>,
    reversed_at: Null,
    zero_interest_installments: bool,
    installment_terms: Null,
    missing_3ds_fields: [(); 0],
    #[serde(flatten)]
    stamp: Stamp,
}

impl<'a> ChargeObject<'a> {
    /// `now` ends the (always empty) refunds list, as any list ends at
    /// its request's time.
    pub fn new(public_url: &str, charge: &'a Charge, version: Version, now: Micros) -> Self {
        let paid = charge.status.paid();
        let (fee, fee_vat, net) = fees(charge.amount, charge.status);
        let paid_amount = if paid { charge.amount } else { 0 };
        let failure = charge.status.failure();
        let location = format!("/charges/{}", charge.id);
        let (refunded, refunded_amount) = match version {
            Version::Current => (None, Some(charge.refunded_amount)),
            Version::Legacy => (Some(charge.refunded_amount), None),
        };
        ChargeObject {
            object: "charge",
            id: &charge.id,
            livemode: charge.mode.is_live(),
            refunds: ListObject::new(
                charge
                    .refunds
                    .iter()
                    .map(|r| RefundObject::new(r, version))
                    .collect(),
                charge.refund_count.max(0) as u64,
                &ListWindow::first_page(now),
                format!("{location}/refunds"),
            ),
            location,
            amount: charge.amount,
            acquirer_reference_number: None,
            authorization_type: None,
            authorized_amount: paid_amount,
            branch: None,
            captured_amount: paid_amount,
            currency: currency_code(charge.currency, version),
            description: &charge.description,
            device: None,
            metadata: Metadata {},
            status: charge.status.as_str(),
            paid,
            paid_at: charge.paid_at().map(format_time),
            authorized: paid,
            capturable: false,
            capture: true,
            net,
            fee,
            fee_vat,
            interest: 0,
            interest_vat: 0,
            refunded,
            refunded_amount,
            funding_amount: charge.amount,
            funding_currency: charge.currency.code(),
            transaction_fees: TransactionFees {
                fee_flat: "0.0",
                fee_rate: "3.65",
                vat_rate: "7.0",
            },
            link: &charge.link_id,
            card: CardObject::new(&charge.card, charge.mode, version),
            customer: None,
            source: None,
            schedule: None,
            dispute: None,
            transaction: None,
            terminal: None,
            platform_fee: PlatformFee {
                fixed: None,
                amount: None,
                percentage: None,
            },
            failure_code: failure.map(|f| f.code()),
            failure_message: failure
                .map(|f| charge.failure_message.as_deref().unwrap_or(f.message())),
            merchant_advice: None,
            merchant_advice_code: None,
            ip: charge.ip.as_deref(),
            return_uri: charge.authorize.then(|| {
                format!(
                    "{public_url}/pay/{}/complete?charge={}",
                    payment_code(&charge.link_id),
                    charge.id
                )
            }),
            authorize_uri: charge
                .authorize
                .then(|| format!("{public_url}/authorize/{}", charge.id)),
            reversed: false,
            reversible: false,
            refundable: charge.refundable(),
            partially_refundable: charge.refundable(),
            voided: false,
            disputable: paid,
            expired: charge.status == ChargeStatus::Expired,
            expires_at: format_time(
                charge
                    .authorize_expires_at
                    .unwrap_or(charge.created_at + WEEK_MICROS),
            ),
            expired_at: (charge.status == ChargeStatus::Expired)
                .then(|| charge.completed_at.map(format_time))
                .flatten(),
            reversed_at: None,
            zero_interest_installments: false,
            installment_terms: None,
            missing_3ds_fields: [],
            stamp: Stamp::new(charge.created_at, version),
        }
    }
}

/// A page of charges as a list object.
pub fn charges_list<'a>(
    public_url: &str,
    page: &'a Page<Charge>,
    location: String,
    version: Version,
    now: Micros,
) -> ListObject<ChargeObject<'a>> {
    let data = page
        .data
        .iter()
        .map(|c| ChargeObject::new(public_url, c, version, now))
        .collect();
    ListObject::new(data, page.total, &page.window, location)
}

/// The link object, embedding its first page of charges.
#[derive(Serialize)]
pub struct LinkObject<'a> {
    object: &'static str,
    id: &'a str,
    livemode: bool,
    location: String,
    amount: i64,
    currency: &'static str,
    used: bool,
    multiple: bool,
    title: &'a str,
    description: &'a str,
    charges: ListObject<ChargeObject<'a>>,
    payment_uri: String,
    deleted: bool,
    /// Only in the current shape; `null` until deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_at: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    used_at: Option<Option<String>>,
    #[serde(flatten)]
    stamp: Stamp,
}

impl<'a> LinkObject<'a> {
    pub fn new(
        public_url: &str,
        link: &'a Link,
        charges: &'a Page<Charge>,
        version: Version,
        now: Micros,
    ) -> Self {
        let location = format!("/links/{}", link.id);
        let current = version == Version::Current;
        LinkObject {
            object: "link",
            id: &link.id,
            livemode: link.mode.is_live(),
            charges: charges_list(
                public_url,
                charges,
                format!("{location}/charges"),
                version,
                now,
            ),
            location,
            amount: link.amount,
            currency: currency_code(link.currency, version),
            used: link.used(),
            multiple: link.multiple,
            title: &link.title,
            description: &link.description,
            payment_uri: format!("{public_url}/pay/{}", payment_code(&link.id)),
            deleted: link.deleted(),
            deleted_at: current.then(|| link.deleted_at.map(format_time)),
            used_at: current.then(|| link.used_at.map(format_time)),
            stamp: Stamp::new(link.created_at, version),
        }
    }
}

/// An event's data: the object as it was when the event happened.
#[derive(Serialize)]
#[serde(untagged)]
pub enum EventDataObject<'a> {
    Link(Box<LinkObject<'a>>),
    Charge(Box<ChargeObject<'a>>),
    Refund(Box<RefundObject<'a>>),
}

/// The refund object.
#[derive(Serialize)]
pub struct RefundObject<'a> {
    object: &'static str,
    id: &'a str,
    livemode: bool,
    location: String,
    amount: i64,
    currency: &'static str,
    charge: &'a str,
    transaction: Null,
    voided: bool,
    status: &'static str,
    metadata: serde_json::Value,
    funding_amount: i64,
    funding_currency: &'static str,
    #[serde(flatten)]
    stamp: Stamp,
}

impl<'a> RefundObject<'a> {
    pub fn new(refund: &'a Refund, version: Version) -> Self {
        RefundObject {
            object: "refund",
            id: &refund.id,
            livemode: refund.mode.is_live(),
            location: format!("/charges/{}/refunds/{}", refund.charge_id, refund.id),
            amount: refund.amount,
            currency: currency_code(refund.currency, version),
            charge: &refund.charge_id,
            transaction: None,
            voided: false,
            // No card network stands behind paylink: a refund is done at once.
            status: "closed",
            metadata: serde_json::from_str(&refund.metadata)
                .unwrap_or_else(|_| serde_json::Value::Object(Default::default())),
            funding_amount: refund.amount,
            funding_currency: refund.currency.code(),
            stamp: Stamp::new(refund.created_at, version),
        }
    }
}

/// One attempt to deliver an event.
#[derive(Serialize)]
pub struct DeliveryObject<'a> {
    object: &'static str,
    id: &'a str,
    uri: &'a str,
    status: Option<u16>,
    error: Option<&'a str>,
    key: &'static str,
    #[serde(flatten)]
    stamp: Stamp,
}

impl<'a> DeliveryObject<'a> {
    pub fn new(delivery: &'a WebhookDelivery, key: EventKey, version: Version) -> Self {
        DeliveryObject {
            object: "webhook_delivery",
            id: &delivery.id,
            uri: &delivery.uri,
            status: delivery.status,
            error: delivery.error.as_deref(),
            key: key.as_str(),
            stamp: Stamp::new(delivery.created_at, version),
        }
    }
}

/// The event object.
#[derive(Serialize)]
pub struct EventObject<'a> {
    object: &'static str,
    id: &'a str,
    livemode: bool,
    location: String,
    key: &'static str,
    #[serde(flatten)]
    stamp: Stamp,
    data: EventDataObject<'a>,
    webhook_deliveries: Vec<DeliveryObject<'a>>,
}

/// An event's data needs an (empty) charge page to show a link as created.
pub struct EventParts {
    no_charges: Page<Charge>,
}

impl EventParts {
    pub fn new(event: &Event) -> EventParts {
        EventParts {
            no_charges: Page {
                data: vec![],
                total: 0,
                window: ListWindow::first_page(event.created_at),
            },
        }
    }
}

impl<'a> EventObject<'a> {
    /// `version` shapes the event itself; `data_version`, the account's
    /// version, shapes its data.
    pub fn new(
        public_url: &str,
        event: &'a Event,
        parts: &'a EventParts,
        deliveries: &'a [WebhookDelivery],
        version: Version,
        data_version: Version,
    ) -> Self {
        let data = match &event.data {
            EventData::Link(link) => EventDataObject::Link(Box::new(LinkObject::new(
                public_url,
                link,
                &parts.no_charges,
                data_version,
                event.created_at,
            ))),
            EventData::Refund(refund) => {
                EventDataObject::Refund(Box::new(RefundObject::new(refund, data_version)))
            }
            EventData::Charge(charge) => EventDataObject::Charge(Box::new(ChargeObject::new(
                public_url,
                charge,
                data_version,
                event.created_at,
            ))),
        };
        EventObject {
            object: "event",
            id: &event.id,
            livemode: event.mode.is_live(),
            location: format!("/events/{}", event.id),
            key: event.key.as_str(),
            stamp: Stamp::new(event.created_at, version),
            data,
            webhook_deliveries: deliveries
                .iter()
                .map(|d| DeliveryObject::new(d, event.key, version))
                .collect(),
        }
    }
}

/// The account object, for one mode.
#[derive(Serialize)]
pub struct AccountObject<'a> {
    object: &'static str,
    id: &'a str,
    livemode: bool,
    location: &'static str,
    country: &'static str,
    currency: &'static str,
    email: Null,
    /// The name payers see on the payment page (ours).
    display_name: &'a str,
    api_version: &'a str,
    webhook_uri: Option<&'a str>,
    supported_currencies: Vec<&'static str>,
    #[serde(flatten)]
    stamp: Stamp,
}

impl<'a> AccountObject<'a> {
    pub fn new(
        id: &'a str,
        display_name: &'a str,
        mode: Mode,
        settings: Option<&'a crate::store::AccountSettings>,
        created_at: Micros,
        version: Version,
    ) -> Self {
        AccountObject {
            object: "account",
            id,
            livemode: mode.is_live(),
            location: "/account",
            country: "TH",
            currency: currency_code(crate::domain::money::Currency::Thb, version),
            email: None,
            display_name,
            api_version: settings.map_or(Version::CURRENT, |s| s.api_version.as_str()),
            webhook_uri: settings.and_then(|s| s.webhook_uri.as_deref()),
            supported_currencies: crate::domain::money::Currency::ALL
                .iter()
                .map(|c| currency_code(*c, version))
                .collect(),
            stamp: Stamp::new(created_at, version),
        }
    }
}
