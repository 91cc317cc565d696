//! The pages' markup: compiled maud templates, escaped by construction.
//! Nothing here runs script inline or styles inline, so the pages' CSP can
//! forbid both.

use super::assets::{SCRIPT, STYLESHEET};
use super::form_token::FormToken;
use super::i18n::{Lang, Text};
use crate::domain::card::CardError;
use crate::domain::charge::Charge;
use crate::domain::link::Link;
use crate::domain::list::format_time;
use maud::{DOCTYPE, Markup, PreEscaped, html};

const LOCK: &str = r#"<svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="4.5" y="10.5" width="15" height="10" rx="2"/><path d="M8 10.5V7a4 4 0 0 1 8 0v3.5"/></svg>"#;
const CHECK: &str = r#"<svg width="30" height="30" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M5 12.5l4.5 4.5L19 7.5"/></svg>"#;
const CROSS: &str = r#"<svg width="28" height="28" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" aria-hidden="true"><path d="M7 7l10 10M17 7L7 17"/></svg>"#;
const INFO: &str = r#"<svg width="30" height="30" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><circle cx="12" cy="12" r="9"/><path d="M12 11v5.5M12 7.5h.01"/></svg>"#;
const WARN: &str = r#"<svg width="30" height="30" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><circle cx="12" cy="12" r="9"/><path d="M12 7.5V13M12 16.5h.01"/></svg>"#;

/// What every page around its content needs to know.
pub struct Frame {
    pub lang: Lang,
    /// Test-mode links show the banner.
    pub test_mode: bool,
    /// The banner names the test card where there is a form to type it in.
    pub card_form: bool,
    /// This page's address without `lang`, for the language switcher.
    pub here: String,
    /// Who is being paid: the account's display name.
    pub merchant: Option<String>,
}

impl Frame {
    fn t(&self) -> &'static Text {
        self.lang.text()
    }

    fn switch_href(&self, lang: Lang) -> String {
        let separator = if self.here.contains('?') { '&' } else { '?' };
        format!("{}{separator}lang={}", self.here, lang.code())
    }
}

fn layout(frame: &Frame, title: &str, body: Markup) -> Markup {
    let t = frame.t();
    html! {
        (DOCTYPE)
        html lang=(frame.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta name="robots" content="noindex";
                title { (title) }
                link rel="stylesheet" href=(STYLESHEET.href());
                script src=(SCRIPT.href()) defer {}
            }
            body {
                @if frame.test_mode {
                    div.test-banner role="note" {
                        strong { (t.test_mode) }
                        // Separate items, spaced by the banner: Japanese
                        // puts no space between sentences.
                        span { (t.test_mode_note) }
                        @if frame.card_form { span { (t.test_card_hint) } }
                    }
                }
                header.topbar {
                    span.secure { (PreEscaped(LOCK)) (t.secure_checkout) }
                    nav.langs aria-label=(t.language) {
                        @for lang in Lang::ALL {
                            a href=(frame.switch_href(lang)) lang=(lang.code()) hreflang=(lang.code())
                                aria-current=[(lang == frame.lang).then_some("true")] {
                                (lang.native_name())
                            }
                        }
                    }
                }
                main { (body) }
                footer.foot { (t.powered_by) }
            }
        }
    }
}

/// What the payer typed, shown again after an error: never the number or
/// the security code.
#[derive(Debug, Default)]
pub struct Typed {
    pub name: String,
    pub month: String,
    pub year: String,
}

/// The card form of a link.
pub struct Form<'a> {
    pub link: &'a Link,
    pub amount: &'a str,
    /// Where the form posts.
    pub action: &'a str,
    pub token: &'a FormToken,
    pub typed: &'a Typed,
    /// Problems with what was typed, each shown at its field.
    pub errors: &'a [CardError],
    /// A problem that belongs to no field.
    pub notice: Option<&'static str>,
}

impl Form<'_> {
    /// The message for the first problem `matches` picks out.
    fn error(&self, t: &Text, matches: fn(CardError) -> bool) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|e| matches(**e))
            .map(|e| t.card_error(*e))
    }
}

fn is_name(e: CardError) -> bool {
    matches!(e, CardError::NameRequired | CardError::NameTooLong)
}
fn is_number(e: CardError) -> bool {
    e == CardError::InvalidNumber
}
fn is_month(e: CardError) -> bool {
    matches!(e, CardError::InvalidExpirationMonth | CardError::Expired)
}
fn is_year(e: CardError) -> bool {
    matches!(e, CardError::InvalidExpirationYear | CardError::Expired)
}
fn is_expiry(e: CardError) -> bool {
    is_month(e) || is_year(e)
}
fn is_security_code(e: CardError) -> bool {
    e == CardError::InvalidSecurityCode
}

/// The input a card problem is about, for the error summary's links.
fn field_id(e: CardError) -> &'static str {
    match e {
        CardError::NameRequired | CardError::NameTooLong => "name",
        CardError::InvalidNumber => "number",
        CardError::InvalidExpirationMonth | CardError::Expired => "expiration_month",
        CardError::InvalidExpirationYear => "expiration_year",
        CardError::InvalidSecurityCode => "security_code",
    }
}

fn invalid(error: Option<&str>) -> Option<&'static str> {
    error.map(|_| "true")
}

pub fn pay_page(frame: &Frame, form: &Form) -> Markup {
    let t = frame.t();
    let link = form.link;
    let name_error = form.error(t, is_name);
    let number_error = form.error(t, is_number);
    let expiry_error = form.error(t, is_expiry);
    let month_invalid = form.errors.iter().any(|e| is_month(*e));
    let year_invalid = form.errors.iter().any(|e| is_year(*e));
    let csc_error = form.error(t, is_security_code);
    let body = html! {
        div.checkout {
            section.summary aria-labelledby="link-title" {
                @if let Some(merchant) = &frame.merchant {
                    p.merchant { (t.pay_to) " " strong { (merchant) } }
                }
                p.eyebrow { (t.payment_for) }
                h1 #link-title { (link.title) }
                @if !link.description.is_empty() {
                    p.description { (link.description) }
                }
                p.due {
                    span.due-label { (t.amount_due) }
                    span.amount { (form.amount) }
                }
            }
            section.pay aria-labelledby="pay-title" {
                h2 #pay-title { (t.pay_with_card) }
                @if form.notice.is_some() || !form.errors.is_empty() {
                    div.alert #form-errors role="alert" {
                        p { (form.notice.unwrap_or(t.check_details)) }
                        @if !form.errors.is_empty() {
                            ul {
                                @for e in form.errors {
                                    li { a href={ "#" (field_id(*e)) } { (t.card_error(*e)) } }
                                }
                            }
                        }
                    }
                }
                form.pay-form method="post" action=(form.action) {
                    input type="hidden" name="form_token" value=(form.token.as_str());
                    div.field {
                        label for="name" { (t.name_label) }
                        input #name name="name" type="text" autocomplete="cc-name" required
                            maxlength="255" spellcheck="false" autocapitalize="characters"
                            value=(form.typed.name) aria-invalid=[invalid(name_error)]
                            aria-describedby=[name_error.map(|_| "name-error")];
                        @if let Some(message) = name_error {
                            p.field-error #name-error { (message) }
                        }
                    }
                    div.field {
                        label for="number" { (t.number_label) }
                        div.number {
                            input #number name="number" type="text" inputmode="numeric"
                                autocomplete="cc-number" required maxlength="23"
                                placeholder="1234 1234 1234 1234" spellcheck="false"
                                aria-invalid=[invalid(number_error)]
                                aria-describedby=[number_error.map(|_| "number-error")];
                            span.brand aria-hidden="true" {}
                        }
                        @if let Some(message) = number_error {
                            p.field-error #number-error { (message) }
                        }
                    }
                    div.row {
                        fieldset.field aria-describedby=[expiry_error.map(|_| "expiry-error")] {
                            legend { (t.expiry_legend) }
                            div.expiry {
                                label.visually-hidden for="expiration_month" { (t.month_label) }
                                input #expiration_month name="expiration_month" type="text"
                                    inputmode="numeric" autocomplete="cc-exp-month" required
                                    maxlength="2" placeholder=(t.month_placeholder)
                                    value=(form.typed.month)
                                    aria-invalid=[month_invalid.then_some("true")];
                                span aria-hidden="true" { "/" }
                                label.visually-hidden for="expiration_year" { (t.year_label) }
                                input #expiration_year name="expiration_year" type="text"
                                    inputmode="numeric" autocomplete="cc-exp-year" required
                                    maxlength="4" placeholder=(t.year_placeholder)
                                    value=(form.typed.year)
                                    aria-invalid=[year_invalid.then_some("true")];
                            }
                            @if let Some(message) = expiry_error {
                                p.field-error #expiry-error { (message) }
                            }
                        }
                        div.field {
                            label for="security_code" { (t.security_code_label) }
                            input #security_code name="security_code" type="text"
                                inputmode="numeric" autocomplete="cc-csc" required maxlength="4"
                                placeholder="123" spellcheck="false"
                                aria-invalid=[invalid(csc_error)]
                                aria-describedby=(if csc_error.is_some() { "security_code-error security_code-hint" } else { "security_code-hint" });
                            @if let Some(message) = csc_error {
                                p.field-error #security_code-error { (message) }
                            }
                        }
                    }
                    p.hint #security_code-hint { (t.security_code_hint) }
                    button.pay-button type="submit" data-busy=(t.paying) {
                        ((t.pay_button)(form.amount))
                    }
                    p.safety { (PreEscaped(LOCK)) (t.safety_note) }
                }
            }
        }
    };
    layout(frame, &format!("{} · {}", form.amount, link.title), body)
}

/// The icon above a panel's heading.
#[derive(Debug, Clone, Copy)]
pub enum Tone {
    Success,
    Declined,
    Info,
    Warn,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Success => "result-icon success",
            Tone::Declined => "result-icon declined",
            Tone::Info => "result-icon info",
            Tone::Warn => "result-icon warn",
        }
    }

    fn icon(self) -> &'static str {
        match self {
            Tone::Success => CHECK,
            Tone::Declined => CROSS,
            Tone::Info => INFO,
            Tone::Warn => WARN,
        }
    }
}

fn panel(frame: &Frame, tone: Tone, title: &str, content: Markup) -> Markup {
    let body = html! {
        div.panel {
            div class=(tone.class()) { (PreEscaped(tone.icon())) }
            h1 { (title) }
            (content)
        }
    };
    layout(frame, title, body)
}

/// The facts of a charge; `amount` when the page does not show it already.
fn charge_details(frame: &Frame, link: &Link, charge: &Charge, amount: Option<&str>) -> Markup {
    let t = frame.t();
    html! {
        dl.details {
            @if let Some(merchant) = &frame.merchant {
                div { dt { (t.paid_to) } dd { (merchant) } }
            }
            div { dt { (t.paid_for) } dd { (link.title) } }
            @if let Some(amount) = amount {
                div { dt { (t.amount) } dd { (amount) } }
            }
            div { dt { (t.charge_id) } dd { code { (charge.id) } } }
            div {
                dt { (t.paid_at) }
                @let at = charge.paid_at().unwrap_or(charge.created_at);
                dd { time datetime=(format_time(at)) { (frame.lang.format_time(at)) } }
            }
            div { dt { (t.card) } dd { ((t.card_ending)(&charge.card.brand, &charge.card.last_digits)) } }
        }
    }
}

pub fn paid_page(frame: &Frame, link: &Link, charge: &Charge, amount: &str) -> Markup {
    let t = frame.t();
    let content = html! {
        p.lead { (t.paid_text) }
        p.amount { span.visually-hidden { (t.amount_paid) " " } (amount) }
        (charge_details(frame, link, charge, None))
        p.note { (t.keep_receipt) }
    };
    panel(frame, Tone::Success, t.paid_title, content)
}

pub fn declined_page(
    frame: &Frame,
    link: &Link,
    charge: &Charge,
    amount: &str,
    reason: &str,
    retry: Option<&str>,
) -> Markup {
    let t = frame.t();
    let content = html! {
        p.reason role="alert" { (reason) }
        p.lead { (t.declined_text) }
        (charge_details(frame, link, charge, Some(amount)))
        @if let Some(href) = retry {
            a.button href=(href) { (t.try_another_card) }
        }
    };
    panel(frame, Tone::Declined, t.declined_title, content)
}

/// The test bank's 3-D Secure page: clearly not a real bank, two buttons.
pub fn bank_page(
    frame: &Frame,
    link: &Link,
    charge: &Charge,
    amount: &str,
    action: &str,
) -> Markup {
    let t = frame.t();
    let content = html! {
        p.lead { (t.bank_text) }
        p.subject { span { (link.title) } span.subject-amount { (amount) } }
        p.note { ((t.card_ending)(&charge.card.brand, &charge.card.last_digits)) }
        div.bank-actions {
            form method="post" action=(action) {
                input type="hidden" name="action" value="authenticate";
                button.button type="submit" { (t.authenticate) }
            }
            form method="post" action=(action) {
                input type="hidden" name="action" value="fail";
                button.button.secondary type="submit" { (t.fail_authentication) }
            }
        }
    };
    panel(frame, Tone::Warn, t.bank_title, content)
}

/// What a notice page says: why there is nothing to pay here, or what to
/// do next.
pub struct NoticeContent<'a> {
    pub tone: Tone,
    pub title: &'a str,
    pub text: &'a str,
    /// The link's title and amount, when the page is about a known link.
    pub subject: Option<(&'a str, String)>,
    /// A request id to quote to support.
    pub reference: Option<String>,
    /// Where the payer can go from here, and what the way is called.
    pub action: Option<(String, &'a str)>,
}

pub fn notice_page(frame: &Frame, notice: &NoticeContent) -> Markup {
    let t = frame.t();
    let content = html! {
        @if let Some((title, amount)) = &notice.subject {
            p.subject { span { (title) } span.subject-amount { (amount) } }
        }
        p.lead { (notice.text) }
        @if let Some(reference) = &notice.reference {
            p.note { (t.reference) ": " code { (reference) } }
        }
        @if let Some((href, label)) = &notice.action {
            a.button href=(href) { (label) }
        }
    };
    panel(frame, notice.tone, notice.title, content)
}
