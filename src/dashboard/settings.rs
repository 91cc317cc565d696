//! Settings: the account's id, the name payers see, the mode's API
//! version, the keys (rolled here, the new ones shown once) and, in test
//! mode, the reset of the test data, confirmed by typing a word.
//!
//! Keys are stored hashed, so no key, public or secret, can be shown
//! again: the page says so, and rolling is the way to new ones. Rolling
//! replaces all four keys of the account, which ends every session made
//! with the old ones, this one too: the answer shows the new keys once and
//! signs the merchant in again with the new secret key.

use super::session::{SESSION_COOKIE, Signed};
use super::views::{self, Ctx, Section};
use crate::accounts::{AccountKeys, parse_display_name, roll_keys};
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::api::params::Params;
use crate::api::version::Version;
use crate::domain::Mode;
use crate::domain::event::new_webhook_secret;
use crate::pages::Lang;
use crate::store::SettingsChange;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use maud::{DOCTYPE, Markup, html};

/// The word typed to confirm a reset. It stays the same in every
/// language; the instruction around it is translated.
pub const RESET_WORD: &str = "RESET";

/// The two API versions a mode's events can be shown in.
const VERSIONS: [&str; 2] = [Version::CURRENT, "2015-11-17"];

const HERE: &str = "/dashboard/settings";

/// The section's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(HERE, get(show))
        .route("/dashboard/settings/display-name", post(display_name))
        .route("/dashboard/settings/api-version", post(api_version))
        .route("/dashboard/settings/keys/roll", post(roll))
        .route("/dashboard/settings/reset", post(reset))
}

fn text_param(params: &Params, name: &str) -> String {
    params
        .text(name, ApiError::BadRequest)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// What the forms show again after a refusal: what was typed, and each
/// field's problem.
#[derive(Default)]
struct Typed {
    display_name: Option<String>,
    errors: Vec<(&'static str, &'static str)>,
    reset_word: String,
}

impl Typed {
    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| *m)
    }

    fn refused(field: &'static str, message: &'static str) -> Typed {
        Typed {
            errors: vec![(field, message)],
            ..Typed::default()
        }
    }
}

/// The problem beside a field, tied to it by `aria-describedby`.
fn field_error(typed: &Typed, field: &str) -> Markup {
    html! {
        @if let Some(message) = typed.error(field) {
            p.field-error id={ (field) "-error" } role="alert" { (message) }
        }
    }
}

/// The card each change is made in, and its confirmation carried by
/// `?done=`: the answer to a form goes back to the card it was sent from,
/// so that a phone shows the outcome where the merchant acted.
const NAME_CARD: &str = "display-name-section";
const VERSION_CARD: &str = "api-version-section";
const KEYS_CARD: &str = "keys";
const RESET_CARD: &str = "reset";

/// The confirmation of a change made in `card`, if `?done=` tells of one,
/// with what a reset deleted.
fn done_note(ctx: &Ctx, st: &SettingsText, params: Option<&Params>, card: &str) -> Markup {
    let t = ctx.t;
    let Some(params) = params else {
        return html! {};
    };
    let done = text_param(params, "done");
    let message = match (done.as_str(), card) {
        ("display-name", NAME_CARD) => st.done_display_name,
        ("api-version", VERSION_CARD) => st.done_api_version,
        ("reset", RESET_CARD) => st.done_reset,
        _ => return html! {},
    };
    let count = |name: &str| text_param(params, name).parse::<u64>().ok();
    let counts = [
        (t.links, count("links")),
        (t.charges, count("charges")),
        (t.refunds, count("refunds")),
        (t.events, count("events")),
    ];
    html! {
        p.done role="status" {
            (message)
            @if done == "reset" {
                @for (name, n) in counts {
                    @if let Some(n) = n { " " span.count { (name) " " strong { (n) } } }
                }
            }
        }
    }
}

async fn settings_page(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    typed: &Typed,
    params: Option<&Params>,
) -> Response {
    let ctx = signed.ctx();
    let t = ctx.t;
    let st = settings_text(ctx.lang);
    let s = &signed.session;
    let settings = match state.store.account_settings(&s.account_id, s.mode).await {
        Ok(settings) => settings,
        Err(e) => return views::store_failure(signed.lang, e),
    };
    let version = settings
        .as_ref()
        .map_or(Version::CURRENT, |s| s.api_version.as_str());
    let named = signed.name != s.account_id;
    let shown_name = match &typed.display_name {
        Some(typed) => typed.as_str(),
        None if named => signed.name.as_str(),
        None => "",
    };
    let mode_name = match s.mode {
        Mode::Test => t.test_mode,
        Mode::Live => t.live_mode,
    };
    let invalid = |field: &str| typed.error(field).map(|_| "true");
    let described = |field: &str| typed.error(field).map(|_| format!("{field}-error"));
    let body = html! {
        div.page-head { h1 { (st.title) } }
        div.settings {
            section.card #account {
                h2 { (st.account) }
                dl.facts {
                    dt { (st.account_id) }
                    dd.copy-row {
                        input #account-id readonly value=(s.account_id) aria-label=(st.account_id);
                        button.copy type="button" data-copy="account-id" data-copied=(t.copied) hidden { (t.copy) }
                    }
                    dt { (st.mode) }
                    dd { span class={ "badge " (if s.mode == Mode::Test { "test" } else { "live" }) } { (mode_name) } }
                }
            }

            section.card id=(NAME_CARD) {
                h2 { (st.display_name) }
                p.lead { (st.display_name_lead) }
                (done_note(&ctx, st, params, NAME_CARD))
                form.form method="post" action={ "/dashboard/settings/display-name#" (NAME_CARD) } novalidate {
                    (views::csrf_field(&ctx))
                    label for="display_name" { (st.display_name) }
                    input #display_name name="display_name" value=(shown_name) maxlength="100"
                        autocomplete="organization" placeholder=(s.account_id)
                        aria-invalid=[invalid("display_name")]
                        aria-describedby={ "display_name-hint" @if let Some(d) = described("display_name") { " " (d) } };
                    p.hint #display_name-hint {
                        @if named { (st.display_name_hint) } @else { (st.display_name_unset) }
                    }
                    (field_error(typed, "display_name"))
                    button.primary type="submit" { (st.save) }
                }
            }

            section.card id=(VERSION_CARD) {
                h2 { (st.api_version) " · " (mode_name) }
                p.lead { (st.api_version_lead) }
                (done_note(&ctx, st, params, VERSION_CARD))
                form.form method="post" action={ "/dashboard/settings/api-version#" (VERSION_CARD) } novalidate {
                    (views::csrf_field(&ctx))
                    fieldset.choices aria-invalid=[invalid("api_version")]
                        aria-describedby=[described("api_version")] {
                        legend.visually-hidden { (st.api_version) }
                        @for (v, about) in VERSIONS.iter().zip([st.version_current, st.version_legacy]) {
                            label.choice {
                                input type="radio" name="api_version" value=(v) checked[*v == version];
                                span { code.choice-title { (v) } span.hint { (about) } }
                            }
                        }
                    }
                    (field_error(typed, "api_version"))
                    button.primary type="submit" { (st.save) }
                }
            }

            section.card id=(KEYS_CARD) {
                h2 { (st.keys) }
                p.lead { (st.keys_lead) }
                div.table-wrap { table.rows.keys {
                    thead { tr { th { (st.mode) } th { (st.public_key) } th { (st.secret_key) } } }
                    tbody {
                        @for (mode, name, p) in [(Mode::Test, t.test_mode, "_test_"), (Mode::Live, t.live_mode, "_")] {
                            tr aria-current=[(mode == s.mode).then_some("true")] {
                                td { (name) }
                                td { code { "pkey" (p) "…" } }
                                td { code { "skey" (p) "…" }
                                    @if mode == s.mode { br; small { (st.this_session) } } }
                            }
                        }
                    }
                } }
                details.danger open[typed.error("understood").is_some()] {
                    summary { (st.roll) }
                    form.form method="post" action={ "/dashboard/settings/keys/roll#" (KEYS_CARD) } {
                        (views::csrf_field(&ctx))
                        p { (st.roll_lead) }
                        label.check {
                            input #understood type="checkbox" name="understood" value="yes"
                                aria-invalid=[invalid("understood")] aria-describedby=[described("understood")];
                            span { (st.roll_understood) }
                        }
                        (field_error(typed, "understood"))
                        button.danger type="submit" { (st.roll_button) }
                    }
                }
            }

            @if s.mode == Mode::Test {
                section.card.danger-zone id=(RESET_CARD) {
                    h2 { (st.reset) }
                    p.lead { (st.reset_lead) }
                    (done_note(&ctx, st, params, RESET_CARD))
                    form.form method="post" action={ "/dashboard/settings/reset#" (RESET_CARD) } novalidate {
                        (views::csrf_field(&ctx))
                        label for="confirm" {
                            (st.reset_type_before) kbd.word { (RESET_WORD) } (st.reset_type_after)
                        }
                        input #confirm name="confirm" value=(typed.reset_word) autocomplete="off"
                            autocapitalize="characters" spellcheck="false"
                            aria-invalid=[invalid("confirm")] aria-describedby=[described("confirm")];
                        (field_error(typed, "confirm"))
                        button.danger type="submit" { (st.reset_button) }
                    }
                }
            }
        }
    };
    views::page(&ctx, status, Some(Section::Settings), HERE, st.title, body)
}

/// `GET /dashboard/settings`.
pub async fn show(State(state): State<AppState>, signed: Signed, params: Params) -> Response {
    settings_page(
        &state,
        &signed,
        StatusCode::OK,
        &Typed::default(),
        Some(&params),
    )
    .await
}

fn done(what: &str, card: &str) -> Response {
    Redirect::to(&format!("{HERE}?done={what}#{card}")).into_response()
}

/// `POST /dashboard/settings/display-name`: the name payers see, checked
/// as `PATCH /account` checks it.
pub async fn display_name(
    State(state): State<AppState>,
    signed: Signed,
    params: Params,
) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    let st = settings_text(signed.lang);
    let raw = text_param(&params, "display_name");
    let name = match parse_display_name(&raw) {
        Ok(name) => name,
        Err(message) => {
            let why = if message.contains("empty") {
                st.display_name_empty
            } else if message.contains("long") {
                st.display_name_long
            } else {
                st.display_name_invalid
            };
            let typed = Typed {
                display_name: Some(raw),
                ..Typed::refused("display_name", why)
            };
            return settings_page(&state, &signed, StatusCode::BAD_REQUEST, &typed, None).await;
        }
    };
    match state
        .store
        .set_display_name(&signed.session.account_id, &name)
        .await
    {
        Ok(true) => done("display-name", NAME_CARD),
        Ok(false) => views::not_found(&signed.ctx()),
        Err(e) => views::store_failure(signed.lang, e),
    }
}

/// `POST /dashboard/settings/api-version`: the version this mode's events
/// are shown in, as `PATCH /account` sets it.
pub async fn api_version(
    State(state): State<AppState>,
    signed: Signed,
    params: Params,
) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    let st = settings_text(signed.lang);
    let raw = text_param(&params, "api_version");
    let Some(version) = VERSIONS.into_iter().find(|v| *v == raw.trim()) else {
        let typed = Typed::refused("api_version", st.version_invalid);
        return settings_page(&state, &signed, StatusCode::BAD_REQUEST, &typed, None).await;
    };
    let change = SettingsChange {
        api_version: Some(version.to_owned()),
        ..SettingsChange::default()
    };
    let s = &signed.session;
    match state
        .store
        .change_settings(&s.account_id, s.mode, &change, &new_webhook_secret())
        .await
    {
        Ok(Some(_)) => done("api-version", VERSION_CARD),
        Ok(None) => views::not_found(&signed.ctx()),
        Err(e) => views::store_failure(signed.lang, e),
    }
}

/// `POST /dashboard/settings/keys/roll`: four new keys, shown once on the
/// answer; the old ones, and every session they made, end now.
pub async fn roll(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    params: Params,
) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    let st = settings_text(signed.lang);
    if text_param(&params, "understood") != "yes" {
        let typed = Typed::refused("understood", st.roll_not_understood);
        return settings_page(&state, &signed, StatusCode::BAD_REQUEST, &typed, None).await;
    }
    let s = &signed.session;
    let keys = match roll_keys(state.store.as_ref(), &s.account_id).await {
        Ok(Some(keys)) => keys,
        Ok(None) => return views::not_found(&signed.ctx()),
        Err(e) => return views::store_failure(signed.lang, e),
    };
    tracing::info!(account = %s.account_id, "keys rolled from the dashboard");
    // The key that made this session is gone, so the session is too; its
    // row goes now rather than at the next clean-up.
    if let Err(e) = state.store.end_session(&signed.token_hash).await {
        tracing::warn!(error = %e, "dashboard: a rolled session's row stays until it idles out");
    }
    let gone = Cookie::build((SESSION_COOKIE, ""))
        .path("/dashboard")
        .build();
    (jar.remove(gone), new_keys_page(signed.lang, s.mode, &keys)).into_response()
}

/// The answer to a roll: the new keys, once, and the way back in with the
/// new secret key. Outside the session's frame: the session has ended, so
/// its navigation would only lead to the sign-in page.
fn new_keys_page(lang: Lang, mode: Mode, keys: &AccountKeys) -> Response {
    let t = super::text::text(lang);
    let st = settings_text(lang);
    let key_field = |id: &str, label: &str, value: &str| {
        html! {
            label for=(id) { (label) }
            div.copy-row {
                input id=(id) readonly value=(value) autocomplete="off" spellcheck="false";
                button.copy type="button" data-copy=(id) data-copied=(t.copied) hidden { (t.copy) }
            }
        }
    };
    let (sign_in_key, mode_name) = match mode {
        Mode::Test => (&keys.secret_key_test, t.test_mode),
        Mode::Live => (&keys.secret_key_live, t.live_mode),
    };
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (views::head(st.new_keys_title))
            body.dash.signin-body {
                header.dash-top {
                    a.brand href="/dashboard" { span.logo aria-hidden="true" { "p" } span { "paylink" } }
                }
                main.signin.new-keys {
                    div.stack {
                        section.card {
                            h1 { (st.new_keys_title) }
                            p.alert.warn role="alert" { strong { (st.new_keys_once) } " " (st.new_keys_hashed) }
                            div.key-group #new-test-keys {
                                h2 { (t.test_mode) }
                                (key_field("new-pkey-test", st.public_key, &keys.public_key_test))
                                (key_field("new-skey-test", st.secret_key, &keys.secret_key_test))
                            }
                            div.key-group #new-live-keys {
                                h2 { (t.live_mode) }
                                (key_field("new-pkey-live", st.public_key, &keys.public_key_live))
                                (key_field("new-skey-live", st.secret_key, &keys.secret_key_live))
                            }
                            p.hint { (st.old_keys_refused) }
                        }
                        section.card #sign-in-again {
                            h2 { (st.sign_in_again) }
                            p { (st.session_ended) }
                            form method="post" action="/dashboard/sign-in" {
                                input type="hidden" name="key" value=(sign_in_key);
                                button.primary type="submit" { (st.sign_in_new) " · " (mode_name) }
                            }
                            p.hint { a href="/dashboard/sign-in" { (st.sign_in_page) } }
                        }
                    }
                }
            }
        }
    };
    (
        StatusCode::OK,
        [(header::CONTENT_LANGUAGE, lang.code())],
        Html(markup.into_string()),
    )
        .into_response()
}

/// `POST /dashboard/settings/reset`: test mode only, and only with the
/// word typed; deletes the test data as `POST /_paylink/reset` does.
pub async fn reset(State(state): State<AppState>, signed: Signed, params: Params) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    if signed.session.mode == Mode::Live {
        return views::not_found(&signed.ctx());
    }
    let st = settings_text(signed.lang);
    let typed = text_param(&params, "confirm");
    if !typed.trim().eq_ignore_ascii_case(RESET_WORD) {
        let typed = Typed {
            reset_word: typed,
            ..Typed::refused("confirm", st.reset_wrong_word)
        };
        return settings_page(&state, &signed, StatusCode::BAD_REQUEST, &typed, None).await;
    }
    let account = &signed.session.account_id;
    match state.store.reset_test_mode(account).await {
        Ok(deleted) => {
            tracing::info!(account = %account, ?deleted, "test mode reset from the dashboard");
            Redirect::to(&format!(
                "{HERE}?done=reset&links={}&charges={}&refunds={}&events={}#{RESET_CARD}",
                deleted.links, deleted.charges, deleted.refunds, deleted.events
            ))
            .into_response()
        }
        Err(e) => views::store_failure(signed.lang, e),
    }
}

/// The section's strings, in English, Thai and Japanese.
pub struct SettingsText {
    pub title: &'static str,
    pub account: &'static str,
    pub account_id: &'static str,
    pub mode: &'static str,
    pub display_name: &'static str,
    pub display_name_lead: &'static str,
    pub display_name_hint: &'static str,
    pub display_name_unset: &'static str,
    pub display_name_empty: &'static str,
    pub display_name_long: &'static str,
    pub display_name_invalid: &'static str,
    pub save: &'static str,
    pub api_version: &'static str,
    pub api_version_lead: &'static str,
    pub version_current: &'static str,
    pub version_legacy: &'static str,
    pub version_invalid: &'static str,
    pub keys: &'static str,
    pub keys_lead: &'static str,
    pub public_key: &'static str,
    pub secret_key: &'static str,
    pub this_session: &'static str,
    pub roll: &'static str,
    pub roll_lead: &'static str,
    pub roll_understood: &'static str,
    pub roll_not_understood: &'static str,
    pub roll_button: &'static str,
    pub new_keys_title: &'static str,
    pub new_keys_once: &'static str,
    pub new_keys_hashed: &'static str,
    pub old_keys_refused: &'static str,
    pub sign_in_again: &'static str,
    pub session_ended: &'static str,
    pub sign_in_new: &'static str,
    pub sign_in_page: &'static str,
    pub reset: &'static str,
    pub reset_lead: &'static str,
    pub reset_type_before: &'static str,
    pub reset_type_after: &'static str,
    pub reset_wrong_word: &'static str,
    pub reset_button: &'static str,
    pub done_display_name: &'static str,
    pub done_api_version: &'static str,
    pub done_reset: &'static str,
}

pub fn settings_text(lang: Lang) -> &'static SettingsText {
    match lang {
        Lang::En => &EN,
        Lang::Th => &TH,
        Lang::Ja => &JA,
    }
}

static EN: SettingsText = SettingsText {
    title: "Settings",
    account: "Account",
    account_id: "Account ID",
    mode: "Mode",
    display_name: "Display name",
    display_name_lead: "The name payers see on the payment page. It is the same in test and live mode.",
    display_name_hint: "Up to 100 characters.",
    display_name_unset: "Not set yet: payers see the account ID. Up to 100 characters.",
    display_name_empty: "Enter a name: it cannot be empty.",
    display_name_long: "That name is too long: use at most 100 characters.",
    display_name_invalid: "That name has a character that cannot be shown. Type it again.",
    save: "Save",
    api_version: "API version",
    api_version_lead: "The shape of the objects inside this mode's events and webhook deliveries. A request that sends its own Omise-Version header still gets that version's answer.",
    version_current: "Current, the default",
    version_legacy: "The older shape, for integrations written against it",
    version_invalid: "Choose one of the two versions.",
    keys: "API keys",
    keys_lead: "paylink keeps only a hash of each key, so no key can be shown here again, not even a public one. Each key was shown once, when it was made: when the account was created, or at the last roll. If a key is lost or may have been seen by someone else, roll the keys.",
    public_key: "Public key",
    secret_key: "Secret key",
    this_session: "used by this session",
    roll: "Roll the keys…",
    roll_lead: "Makes four new keys, for test and live mode, and shows them once. The old keys are refused from that moment: every server and app that uses them stops working until it has the new ones. Every dashboard session ends, this one too.",
    roll_understood: "I understand that the old test and live keys stop working at once.",
    roll_not_understood: "Tick the box to confirm: nothing was changed.",
    roll_button: "Roll all four keys",
    new_keys_title: "Your new API keys",
    new_keys_once: "Copy these keys now.",
    new_keys_hashed: "This is the only time they are shown: paylink keeps only their hashes.",
    old_keys_refused: "The old keys are refused from now on. Put the new ones in every server and app that used the old ones.",
    sign_in_again: "Sign in again",
    session_ended: "Your dashboard session was made with the old secret key, so it has ended. Sign in again with the new secret key.",
    sign_in_new: "Sign in with the new secret key",
    sign_in_page: "Or go to the sign-in page",
    reset: "Reset test data",
    reset_lead: "Deletes this account's test links, charges, refunds, tokens and events, with their webhook deliveries. Live data, the keys and the settings stay. This cannot be undone.",
    reset_type_before: "Type ",
    reset_type_after: " to confirm",
    reset_wrong_word: "That is not the word shown: nothing was deleted.",
    reset_button: "Delete all test data",
    done_display_name: "Display name saved.",
    done_api_version: "API version saved.",
    done_reset: "Test data deleted.",
};

static TH: SettingsText = SettingsText {
    title: "การตั้งค่า",
    account: "บัญชี",
    account_id: "รหัสบัญชี",
    mode: "โหมด",
    display_name: "ชื่อที่แสดง",
    display_name_lead: "ชื่อที่ผู้ชำระเห็นในหน้าชำระเงิน ใช้ชื่อเดียวกันทั้งโหมดทดสอบและโหมดใช้งานจริง",
    display_name_hint: "ไม่เกิน 100 ตัวอักษร",
    display_name_unset: "ยังไม่ได้ตั้ง ผู้ชำระจะเห็นรหัสบัญชี ไม่เกิน 100 ตัวอักษร",
    display_name_empty: "โปรดกรอกชื่อ ชื่อต้องไม่ว่าง",
    display_name_long: "ชื่อยาวเกินไป ใช้ได้ไม่เกิน 100 ตัวอักษร",
    display_name_invalid: "ชื่อนี้มีอักขระที่แสดงไม่ได้ โปรดพิมพ์ใหม่",
    save: "บันทึก",
    api_version: "เวอร์ชัน API",
    api_version_lead: "รูปแบบของออบเจกต์ในเหตุการณ์และการส่งเว็บฮุกของโหมดนี้ คำขอที่ส่งส่วนหัว Omise-Version มาเองยังได้รับคำตอบตามเวอร์ชันนั้น",
    version_current: "เวอร์ชันปัจจุบัน ค่าเริ่มต้น",
    version_legacy: "รูปแบบเดิม สำหรับระบบที่เขียนไว้ตามรูปแบบนั้น",
    version_invalid: "โปรดเลือกหนึ่งในสองเวอร์ชัน",
    keys: "คีย์ API",
    keys_lead: "paylink เก็บเพียงค่าแฮชของแต่ละคีย์ จึงแสดงคีย์ใด ๆ ที่นี่อีกไม่ได้ แม้แต่คีย์สาธารณะ แต่ละคีย์แสดงเพียงครั้งเดียวตอนที่สร้าง คือเมื่อสร้างบัญชีหรือเมื่อเปลี่ยนคีย์ครั้งล่าสุด หากคีย์หายหรืออาจมีผู้อื่นเห็น ให้เปลี่ยนคีย์ใหม่",
    public_key: "คีย์สาธารณะ",
    secret_key: "คีย์ลับ",
    this_session: "ใช้ในเซสชันนี้",
    roll: "เปลี่ยนคีย์ใหม่…",
    roll_lead: "สร้างคีย์ใหม่สี่คีย์สำหรับโหมดทดสอบและโหมดใช้งานจริง และแสดงเพียงครั้งเดียว คีย์เดิมจะถูกปฏิเสธทันที เซิร์ฟเวอร์และแอปที่ใช้คีย์เดิมจะหยุดทำงานจนกว่าจะได้คีย์ใหม่ และทุกเซสชันของแดชบอร์ดจะสิ้นสุด รวมถึงเซสชันนี้",
    roll_understood: "ฉันเข้าใจว่าคีย์ทดสอบและคีย์จริงชุดเดิมจะใช้ไม่ได้ทันที",
    roll_not_understood: "โปรดทำเครื่องหมายในช่องเพื่อยืนยัน ยังไม่มีการเปลี่ยนแปลงใด ๆ",
    roll_button: "เปลี่ยนคีย์ทั้งสี่",
    new_keys_title: "คีย์ API ใหม่ของคุณ",
    new_keys_once: "คัดลอกคีย์เหล่านี้เก็บไว้ตอนนี้",
    new_keys_hashed: "คีย์จะแสดงเพียงครั้งนี้ครั้งเดียว paylink เก็บเพียงค่าแฮชของคีย์",
    old_keys_refused: "คีย์เดิมจะถูกปฏิเสธตั้งแต่นี้ไป โปรดใส่คีย์ใหม่ในทุกเซิร์ฟเวอร์และแอปที่เคยใช้คีย์เดิม",
    sign_in_again: "เข้าสู่ระบบอีกครั้ง",
    session_ended: "เซสชันแดชบอร์ดของคุณสร้างด้วยคีย์ลับเดิม จึงสิ้นสุดแล้ว โปรดเข้าสู่ระบบอีกครั้งด้วยคีย์ลับใหม่",
    sign_in_new: "เข้าสู่ระบบด้วยคีย์ลับใหม่",
    sign_in_page: "หรือไปที่หน้าเข้าสู่ระบบ",
    reset: "ล้างข้อมูลทดสอบ",
    reset_lead: "ลบลิงก์ รายการชำระเงิน การคืนเงิน โทเคน และเหตุการณ์ในโหมดทดสอบของบัญชีนี้ พร้อมการส่งเว็บฮุกที่เกี่ยวข้อง ข้อมูลจริง คีย์ และการตั้งค่ายังอยู่ครบ และย้อนกลับไม่ได้",
    reset_type_before: "พิมพ์ ",
    reset_type_after: " เพื่อยืนยัน",
    reset_wrong_word: "คำที่พิมพ์ไม่ตรงกับคำที่แสดง ยังไม่มีการลบข้อมูลใด ๆ",
    reset_button: "ลบข้อมูลทดสอบทั้งหมด",
    done_display_name: "บันทึกชื่อที่แสดงแล้ว",
    done_api_version: "บันทึกเวอร์ชัน API แล้ว",
    done_reset: "ลบข้อมูลทดสอบแล้ว",
};

static JA: SettingsText = SettingsText {
    title: "設定",
    account: "アカウント",
    account_id: "アカウント ID",
    mode: "モード",
    display_name: "表示名",
    display_name_lead: "支払いページで支払者に表示される名前です。テストモードと本番モードで共通です。",
    display_name_hint: "100文字まで。",
    display_name_unset: "未設定のため、支払者にはアカウント ID が表示されます。100文字まで。",
    display_name_empty: "名前を入力してください。空にはできません。",
    display_name_long: "名前が長すぎます。100文字以内にしてください。",
    display_name_invalid: "表示できない文字が含まれています。もう一度入力してください。",
    save: "保存",
    api_version: "API バージョン",
    api_version_lead: "このモードのイベントと Webhook 配信に含まれるオブジェクトの形式です。Omise-Version ヘッダーを送るリクエストには、引き続きそのバージョンで応答します。",
    version_current: "現行(デフォルト)",
    version_legacy: "旧形式。旧形式に合わせて作られた連携向け",
    version_invalid: "2つのバージョンのどちらかを選んでください。",
    keys: "API キー",
    keys_lead: "paylink は各キーのハッシュしか保存しないため、公開キーも含めてキーをここで再表示することはできません。各キーは作成時(アカウント作成時または前回のキー更新時)に一度だけ表示されています。キーを紛失した場合や他人に見られた可能性がある場合は、キーを更新してください。",
    public_key: "公開キー",
    secret_key: "シークレットキー",
    this_session: "このセッションで使用中",
    roll: "キーを更新…",
    roll_lead: "テストモードと本番モードの新しいキーを4つ作成し、一度だけ表示します。古いキーはその時点で拒否され、古いキーを使うサーバーやアプリは新しいキーに替えるまで動かなくなります。このセッションを含め、ダッシュボードのすべてのセッションが終了します。",
    roll_understood: "古いテストキーと本番キーがすぐに使えなくなることを理解しました。",
    roll_not_understood: "確認のためチェックを入れてください。何も変更されていません。",
    roll_button: "4つのキーをすべて更新",
    new_keys_title: "新しい API キー",
    new_keys_once: "今すぐこれらのキーをコピーしてください。",
    new_keys_hashed: "表示されるのは今回だけです。paylink はハッシュしか保存しません。",
    old_keys_refused: "古いキーは今後拒否されます。古いキーを使っていたすべてのサーバーとアプリに新しいキーを設定してください。",
    sign_in_again: "もう一度サインイン",
    session_ended: "ダッシュボードのセッションは古いシークレットキーで作られたため、終了しました。新しいシークレットキーでもう一度サインインしてください。",
    sign_in_new: "新しいシークレットキーでサインイン",
    sign_in_page: "サインインページへ",
    reset: "テストデータのリセット",
    reset_lead: "このアカウントのテストモードのリンク、決済、返金、トークン、イベントを、その Webhook 配信とともに削除します。本番データ、キー、設定はそのまま残ります。元に戻すことはできません。",
    reset_type_before: "確認のため ",
    reset_type_after: " と入力してください",
    reset_wrong_word: "表示された語と一致しません。何も削除されていません。",
    reset_button: "テストデータをすべて削除",
    done_display_name: "表示名を保存しました。",
    done_api_version: "API バージョンを保存しました。",
    done_reset: "テストデータを削除しました。",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_versions_are_the_apis() {
        for v in VERSIONS {
            assert!(Version::parse(v).is_some(), "{v}");
        }
    }
}
