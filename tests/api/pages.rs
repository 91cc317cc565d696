//! The payment pages over plain HTTP: every state with its status, the
//! headers every page sends, the languages, and a form that pays once
//! however often it is sent.

use crate::helpers::{TestApp, send};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page: its status, headers and HTML, after checking the headers every
/// page must send.
struct Page {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    html: String,
}

impl Page {
    async fn from(response: Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let html = response.text().await.unwrap();
        let page = Page {
            status,
            headers,
            html,
        };
        page.assert_secure_headers();
        page
    }

    #[track_caller]
    fn assert_secure_headers(&self) {
        let h = &self.headers;
        assert_eq!(h["content-security-policy"], CSP);
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cache-control"], "no-store");
        assert_eq!(h["x-content-type-options"], "nosniff");
        if self.status != StatusCode::SEE_OTHER {
            assert_eq!(h["content-type"], "text/html; charset=utf-8");
            assert!(self.html.starts_with("<!DOCTYPE html>"));
            // Nothing inline for the policy to forbid: no script body, no
            // style element or attribute.
            assert!(!self.html.contains("<style"), "{}", self.html);
            assert!(!self.html.contains(" style="), "{}", self.html);
            assert_eq!(
                self.html.matches("<script").count(),
                self.html.matches("<script src=\"/assets/pay.").count()
            );
        }
    }

    #[track_caller]
    fn assert_is(&self, status: u16, lang: &str, heading: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.html);
        assert_eq!(self.headers["content-language"], lang);
        assert!(self.html.contains(&format!("<html lang=\"{lang}\">")));
        assert!(
            self.html.contains(&format!("<h1>{heading}</h1>"))
                || self
                    .html
                    .contains(&format!("<h1 id=\"link-title\">{heading}</h1>")),
            "no heading {heading:?} in {}",
            self.html
        );
    }

    /// The form's one-time token.
    fn form_token(&self) -> String {
        let at = self
            .html
            .find("name=\"form_token\" value=\"")
            .expect("the form has a token")
            + "name=\"form_token\" value=\"".len();
        self.html[at..at + 26].to_owned()
    }

    fn location(&self) -> String {
        self.headers["location"].to_str().unwrap().to_owned()
    }
}

fn uri(link: &Value) -> &str {
    link["payment_uri"].as_str().unwrap()
}

async fn get(app: &TestApp, url: &str, accept_language: Option<&str>) -> Page {
    let mut request = app.client.get(url);
    if let Some(value) = accept_language {
        request = request.header("accept-language", value);
    }
    Page::from(request.send().await.unwrap()).await
}

/// The card fields a payer types, plus the form's token if given.
fn card<'a>(number: &'a str, token: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Somchai Jaidee"),
        ("number", number),
        ("expiration_month", "12"),
        ("expiration_year", "2040"),
        ("security_code", "123"),
    ];
    if let Some(token) = token {
        fields.push(("form_token", token));
    }
    fields
}

async fn post(app: &TestApp, url: &str, fields: &[(&str, &str)]) -> Page {
    Page::from(app.client.post(url).form(fields).send().await.unwrap()).await
}

async fn charge_total(app: &TestApp, link: &Value) -> u64 {
    let id = link["id"].as_str().unwrap();
    let reply = app.get(&format!("/links/{id}/charges")).await;
    reply.body["total"].as_u64().unwrap()
}

#[tokio::test]
async fn the_pay_page_shows_the_link_and_a_labelled_card_form() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let page = get(&app, uri(&link), None).await;
    page.assert_is(200, "en", "Order-384");
    let html = &page.html;
    assert!(html.contains("<p class=\"description\">New Product</p>"));
    assert!(html.contains("<span class=\"amount\">฿1,000.00</span>"));
    assert!(html.contains("Pay ฿1,000.00</button>"));
    assert!(html.contains("<strong>Test mode</strong>"));
    assert!(html.contains("Pay with the test card 4242 4242 4242 4242"));
    let code = uri(&link).rsplit('/').next().unwrap();
    assert!(html.contains(&format!(
        "<form class=\"pay-form\" method=\"post\" action=\"/pay/{code}\">"
    )));
    for (id, autocomplete, numeric) in [
        ("name", "cc-name", false),
        ("number", "cc-number", true),
        ("expiration_month", "cc-exp-month", true),
        ("expiration_year", "cc-exp-year", true),
        ("security_code", "cc-csc", true),
    ] {
        assert_eq!(
            html.matches(&format!(" for=\"{id}\">")).count(),
            1,
            "{id} has a label"
        );
        let at = html.find(&format!("<input id=\"{id}\"")).unwrap();
        let input = &html[at..at + html[at..].find('>').unwrap()];
        assert!(input.contains(&format!("name=\"{id}\"")), "{input}");
        assert!(
            input.contains(&format!("autocomplete=\"{autocomplete}\"")),
            "{input}"
        );
        assert_eq!(input.contains("inputmode=\"numeric\""), numeric, "{input}");
        assert!(input.contains("required"), "{input}");
    }
    assert!(page.form_token().bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_ne!(
        page.form_token(),
        get(&app, uri(&link), None).await.form_token(),
        "each form gets its own token"
    );
}

#[tokio::test]
async fn the_merchants_text_is_escaped() {
    let app = TestApp::spawn().await;
    let link = app
        .create_link(json!({
            "amount": 2000, "currency": "SGD", "title": "<script>alert(1)</script>",
            "description": "\"Fish & chips\" <b>x2</b>", "multiple": false,
        }))
        .await;
    let page = get(&app, uri(&link), None).await;
    page.assert_is(200, "en", "&lt;script&gt;alert(1)&lt;/script&gt;");
    assert!(!page.html.contains("<script>alert"));
    assert!(
        page.html
            .contains("&quot;Fish &amp; chips&quot; &lt;b&gt;x2&lt;/b&gt;")
    );
    assert!(page.html.contains("<span class=\"amount\">S$20.00</span>"));
    assert!(
        page.html
            .contains("<title>S$20.00 · &lt;script&gt;alert(1)&lt;/script&gt;</title>")
    );
}

#[tokio::test]
async fn amounts_are_written_as_their_currency_is() {
    let app = TestApp::spawn().await;
    for (amount, currency, shown) in [
        (100000, "THB", "฿1,000.00"),
        (1000, "JPY", "¥1,000"),
        (2000, "SGD", "S$20.00"),
        (123456, "USD", "$1,234.56"),
    ] {
        let link = app
            .create_link(
                json!({"amount": amount, "currency": currency, "title": "t", "description": ""}),
            )
            .await;
        for lang in ["en", "th", "ja"] {
            let page = get(&app, &format!("{}?lang={lang}", uri(&link)), None).await;
            assert!(
                page.html
                    .contains(&format!("<span class=\"amount\">{shown}</span>")),
                "{currency} in {lang}"
            );
        }
    }
}

/// Strings of the English pages that must not appear on a translated one.
const ENGLISH: [&str; 14] = [
    "Secure checkout",
    "Payment for",
    "Amount due",
    "Pay with card",
    "Name on card",
    "Card number",
    "Expiry date",
    "Security code",
    ">Pay ",
    "never stored",
    "Test mode",
    "Payment successful",
    "Charge ID",
    "ending in",
];

#[tokio::test]
async fn thai_and_japanese_are_chosen_by_accept_language_or_lang() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let cases = [
        (
            Some("th-TH,th;q=0.9,en;q=0.8"),
            "",
            "th",
            "ชำระเงิน ฿1,000.00",
        ),
        (Some("ja"), "", "ja", "฿1,000.00 を支払う"),
        (Some("en-US,ja;q=0.5"), "", "en", "Pay ฿1,000.00"),
        (Some("fr-FR,de"), "", "en", "Pay ฿1,000.00"),
        (Some("th"), "?lang=ja", "ja", "฿1,000.00 を支払う"),
        (Some("ja"), "?lang=xx", "ja", "฿1,000.00 を支払う"),
        (None, "?lang=th", "th", "ชำระเงิน ฿1,000.00"),
    ];
    for (accept, query, lang, button) in cases {
        let page = get(&app, &format!("{}{query}", uri(&link)), accept).await;
        page.assert_is(200, lang, "Order-384");
        assert!(
            page.html.contains(&format!("{button}</button>")),
            "{accept:?} {query}"
        );
        if lang != "en" {
            for english in ENGLISH {
                assert!(
                    !page.html.contains(english),
                    "{english:?} on the {lang} page"
                );
            }
        }
    }
    // A chosen language stays chosen: the form posts with it, the outcome
    // is shown in it, and the receipt's date is written in it.
    let page = get(&app, &format!("{}?lang=ja", uri(&link)), None).await;
    let code = uri(&link).rsplit('/').next().unwrap();
    assert!(
        page.html
            .contains(&format!("action=\"/pay/{code}?lang=ja\""))
    );
    let token = page.form_token();
    let paid = post(
        &app,
        &format!("{}?lang=ja", uri(&link)),
        &card("4242424242424242", Some(&token)),
    )
    .await;
    assert_eq!(paid.status, 303);
    assert!(paid.location().ends_with("&lang=ja"), "{}", paid.location());
    for (lang, date_mark) in [("ja", "(UTC)"), ("th", " น. (UTC)"), ("en", " UTC</time>")] {
        let receipt = get(
            &app,
            &app.url(&paid.location().replace("lang=ja", &format!("lang={lang}"))),
            None,
        )
        .await;
        let heading = match lang {
            "ja" => "お支払いが完了しました",
            "th" => "ชำระเงินสำเร็จ",
            _ => "Payment successful",
        };
        receipt.assert_is(200, lang, heading);
        assert!(receipt.html.contains(date_mark), "{lang}: {}", receipt.html);
        if lang != "en" {
            for english in ENGLISH {
                assert!(
                    !receipt.html.contains(english),
                    "{english:?} on the {lang} receipt"
                );
            }
        }
    }
}

#[tokio::test]
async fn invalid_details_come_back_inline_without_the_number_or_code() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let form = get(&app, uri(&link), None).await;
    let token = form.form_token();
    let mut fields = card("4242424242424241", Some(&token));
    fields[2] = ("expiration_month", "1");
    fields[3] = ("expiration_year", "2001");
    fields[4] = ("security_code", "98");
    let page = post(&app, uri(&link), &fields).await;
    page.assert_is(400, "en", "Order-384");
    let html = &page.html;
    assert!(html.contains("Please check your card details."));
    assert!(
        html.contains(
            "<p class=\"field-error\" id=\"number-error\">Enter a valid card number.</p>"
        )
    );
    assert!(
        html.contains("<p class=\"field-error\" id=\"expiry-error\">This card has expired.</p>")
    );
    assert!(html.contains(
        "<p class=\"field-error\" id=\"security_code-error\">Enter the security code printed on the card.</p>"
    ));
    assert!(html.contains("value=\"Somchai Jaidee\""));
    assert!(html.contains("value=\"2001\""));
    assert!(!html.contains("4242424242424241") && !html.contains("4242424241"));
    assert!(!html.contains("\"98\""));
    assert_eq!(
        page.form_token(),
        token,
        "no charge was made: the form is the same"
    );
    assert_eq!(charge_total(&app, &link).await, 0);
}

#[tokio::test]
async fn the_form_still_asks_the_payer_for_a_security_code() {
    // The Token API takes a card without a code; the payment page does not.
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    for code in ["", "   "] {
        let form = get(&app, uri(&link), None).await;
        let token = form.form_token();
        let mut fields = card("4242424242424242", Some(&token));
        fields[4] = ("security_code", code);
        let page = post(&app, uri(&link), &fields).await;
        page.assert_is(400, "en", "Order-384");
        assert!(page.html.contains(
            "<p class=\"field-error\" id=\"security_code-error\">Enter the security code printed on the card.</p>"
        ), "{code:?}: {}", page.html);
        assert!(!page.html.contains("id=\"number-error\""), "{code:?}");
        assert!(!page.html.contains("id=\"expiry-error\""), "{code:?}");
    }
    assert_eq!(charge_total(&app, &link).await, 0);
}

#[tokio::test]
async fn every_outcome_has_its_page_and_status() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let code = uri(&link).rsplit('/').next().unwrap().to_owned();

    let declined = post(&app, uri(&link), &card("4111111111130012", None)).await;
    assert_eq!(declined.status, 303);
    let page = get(&app, &app.url(&declined.location()), None).await;
    page.assert_is(402, "en", "Payment declined");
    // The payer holding a card reported stolen hears only that the bank
    // declined; the charge keeps the exact code for the merchant.
    assert!(
        page.html
            .contains("<p class=\"reason\" role=\"alert\">Your bank rejected the payment.</p>")
    );
    assert!(!page.html.contains("stolen"));
    let charge_id = declined.location().rsplit('=').next().unwrap().to_owned();
    let charge = app.get(&format!("/charges/{charge_id}")).await;
    assert_eq!(charge.assert_ok()["failure_code"], "stolen_or_lost_card");
    assert!(page.html.contains(&format!(
        "<a class=\"button\" href=\"/pay/{code}\">Try another card</a>"
    )));

    let paid = post(&app, uri(&link), &card("4242424242424242", None)).await;
    assert_eq!(paid.status, 303);
    let charge_id = paid.location().rsplit('=').next().unwrap().to_owned();
    let receipt = get(&app, &app.url(&paid.location()), None).await;
    receipt.assert_is(200, "en", "Payment successful");
    let charge = app.get(&format!("/charges/{charge_id}")).await;
    let created_at = charge.body["created_at"].as_str().unwrap();
    for shown in [
        format!("<code>{charge_id}</code>"),
        "<dd>Order-384</dd>".to_owned(),
        "฿1,000.00</p>".to_owned(),
        format!("<time datetime=\"{created_at}\">"),
        "<dd>Visa ending in 4242</dd>".to_owned(),
    ] {
        assert!(receipt.html.contains(&shown), "{shown} in {}", receipt.html);
    }

    // The link is used now: no more payments, and the declined page no
    // longer offers another try.
    let used = get(&app, uri(&link), None).await;
    used.assert_is(410, "en", "This link has already been paid");
    assert!(!used.html.contains("<form"));
    let again = post(&app, uri(&link), &card("4242424242424242", None)).await;
    again.assert_is(409, "en", "This link has already been paid");
    let page = get(&app, &app.url(&declined.location()), None).await;
    page.assert_is(402, "en", "Payment declined");
    assert!(!page.html.contains("Try another card"));
    assert_eq!(charge_total(&app, &link).await, 2);

    let missing = get(
        &app,
        &app.url(&format!(
            "/pay/{code}/complete?charge=chrg_test_zzzzzzzzzzzzzzzzzzz"
        )),
        None,
    )
    .await;
    missing.assert_is(404, "en", "Payment not found");
    let other = app.thb_link(true).await;
    let elsewhere = app.url(&paid.location()).replace(
        &code,
        other["payment_uri"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap(),
    );
    get(&app, &elsewhere, None)
        .await
        .assert_is(404, "en", "Payment not found");
}

/// A form over the body limit answers as a page, in the payer's language,
/// like every other problem with a form: not as the API's JSON.
#[tokio::test]
async fn a_form_over_the_body_limit_gets_a_page() {
    let app = TestApp::spawn_with(|c| c.body_limit = 1024).await;
    let link = app.thb_link(true).await;
    let token = app.token("4000000000003220").await;
    let pending = app.pay(&link, &token).await;
    let bank = pending.headers()["location"].to_str().unwrap().to_owned();
    let huge = "x".repeat(2048);
    for url in [uri(&link).to_owned(), app.url(&bank)] {
        let response = app
            .client
            .post(format!("{url}?lang=th"))
            .form(&[("name", huge.as_str()), ("action", "authenticate")])
            .send()
            .await
            .unwrap();
        Page::from(response)
            .await
            .assert_is(413, "th", "เกิดข้อผิดพลาด");
    }
    assert_eq!(charge_total(&app, &link).await, 1, "the pending one only");
}

#[tokio::test]
async fn unknown_deleted_and_live_links_take_no_payment() {
    let app = TestApp::spawn().await;
    for code in ["ZZZZZZZZZZZZZZZZZZZ", "not-a-code", "%3Cscript%3E"] {
        let page = get(&app, &app.url(&format!("/pay/{code}")), None).await;
        page.assert_is(404, "en", "This payment link is not available");
        assert!(!page.html.contains("Test mode"));
    }
    let link = app.thb_link(true).await;
    let id = link["id"].as_str().unwrap();
    send(app.request(Method::DELETE, &format!("/links/{id}"), app.sk()))
        .await
        .assert_ok();
    get(&app, uri(&link), Some("th"))
        .await
        .assert_is(404, "th", "ลิงก์ชำระเงินนี้ไม่พร้อมใช้งาน");
    post(&app, uri(&link), &card("4242424242424242", None))
        .await
        .assert_is(404, "en", "This payment link is not available");
    assert_eq!(charge_total(&app, &link).await, 0);

    let live = app
        .create_link_with(
            &app.keys.secret_key_live.clone(),
            json!({"amount": 5000, "currency": "THB", "title": "Live order", "description": ""}),
        )
        .await;
    let page = get(&app, uri(&live), Some("ja")).await;
    page.assert_is(503, "ja", "現在お支払いを受け付けていません");
    assert!(page.html.contains("<span>Live order</span>"));
    post(&app, uri(&live), &card("4242424242424242", None))
        .await
        .assert_is(503, "en", "Payments are not available");
}

#[tokio::test]
async fn a_form_sent_again_shows_the_first_outcome_and_charges_once() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let token = get(&app, uri(&link), None).await.form_token();
    let first = post(&app, uri(&link), &card("4242424242424242", Some(&token))).await;
    assert_eq!(first.status, 303);
    // A reload of the POST, or a second click that got through.
    let second = post(&app, uri(&link), &card("4242424242424242", Some(&token))).await;
    assert_eq!(second.status, 303);
    assert_eq!(second.location(), first.location());
    // Even with other card details: the form made its one charge.
    let third = post(&app, uri(&link), &card("4111111111140011", Some(&token))).await;
    assert_eq!(third.location(), first.location());
    assert_eq!(charge_total(&app, &link).await, 1);

    // A declined form is spent too; a new form is a new attempt.
    let token = get(&app, uri(&link), None).await.form_token();
    let declined = post(&app, uri(&link), &card("4111111111140011", Some(&token))).await;
    let again = post(&app, uri(&link), &card("4242424242424242", Some(&token))).await;
    assert_eq!(again.location(), declined.location());
    get(&app, &app.url(&again.location()), None)
        .await
        .assert_is(402, "en", "Payment declined");
    assert_eq!(charge_total(&app, &link).await, 2);

    // A token the server did not make is refused, and nothing is charged.
    let forged = post(&app, uri(&link), &card("4242424242424242", Some("short"))).await;
    forged.assert_is(400, "en", "Order-384");
    assert!(
        forged
            .html
            .contains("Please enter your card details again.")
    );
    assert_ne!(forged.form_token(), "short");
    assert_eq!(charge_total(&app, &link).await, 2);
}

#[tokio::test]
async fn a_paid_single_use_form_sent_again_shows_its_receipt() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let token = get(&app, uri(&link), None).await.form_token();
    let first = post(&app, uri(&link), &card("4242424242424242", Some(&token))).await;
    let second = post(&app, uri(&link), &card("4242424242424242", Some(&token))).await;
    assert_eq!(
        second.status, 303,
        "the payer sees their receipt, not 'already paid'"
    );
    assert_eq!(second.location(), first.location());
    // Any other form now meets a paid link, whatever token it carries.
    for other in ["a".repeat(26), "short".to_owned()] {
        post(&app, uri(&link), &card("4242424242424242", Some(&other)))
            .await
            .assert_is(409, "en", "This link has already been paid");
    }
    assert_eq!(charge_total(&app, &link).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_form_sent_many_times_at_once_makes_one_charge() {
    let app = TestApp::spawn().await;
    for multiple in [true, false] {
        let link = app.thb_link(multiple).await;
        let token = get(&app, uri(&link), None).await.form_token();
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let mut sends = vec![];
        for _ in 0..8 {
            let (client, uri, token, barrier) = (
                app.client.clone(),
                uri(&link).to_owned(),
                token.clone(),
                barrier.clone(),
            );
            sends.push(tokio::spawn(async move {
                barrier.wait().await;
                let response = client
                    .post(&uri)
                    .form(&card("4242424242424242", Some(&token)))
                    .send()
                    .await
                    .unwrap();
                let location = response.headers().get("location").cloned();
                (response.status().as_u16(), location)
            }));
        }
        let mut outcomes = vec![];
        for send in sends {
            outcomes.push(send.await.unwrap());
        }
        let first = outcomes[0].1.clone();
        assert!(first.is_some(), "{outcomes:?}");
        for (status, location) in &outcomes {
            assert_eq!(*status, 303, "{outcomes:?}");
            assert_eq!(location, &first, "{outcomes:?}");
        }
        assert_eq!(charge_total(&app, &link).await, 1, "multiple: {multiple}");
    }
}

#[tokio::test]
async fn redirects_and_assets_send_the_right_headers() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let paid = post(&app, uri(&link), &card("4242424242424242", None)).await;
    assert_eq!(paid.status, 303);
    assert_eq!(paid.headers["cache-control"], "no-store");

    let html = get(&app, uri(&link), None).await.html;
    for (marker, content_type) in [
        (
            "<link rel=\"stylesheet\" href=\"",
            "text/css; charset=utf-8",
        ),
        ("<script src=\"", "text/javascript; charset=utf-8"),
    ] {
        let at = html.find(marker).unwrap() + marker.len();
        let path = &html[at..at + html[at..].find('"').unwrap()];
        assert!(path.starts_with("/assets/pay."), "{path}");
        let asset = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(asset.status(), 200);
        assert_eq!(asset.headers()["content-type"], content_type);
        assert_eq!(
            asset.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(!asset.text().await.unwrap().is_empty());
    }
    let missing = send(app.client.get(app.url("/assets/pay.00000000.css"))).await;
    missing.assert_error(404, "not_found");
}

/// `paylink serve` as a user runs it, logging everything to a file; ended
/// when dropped.
struct LoggingServer {
    child: Child,
    base: String,
    secret_key: String,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl LoggingServer {
    fn start() -> LoggingServer {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        let database = format!("sqlite://{}", dir.path().join("paylink.db").display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_paylink"))
            .args(["serve", "--addr", "127.0.0.1:0", "--database", &database])
            .env("RUST_LOG", "trace")
            .env_remove("PAYLINK_PUBLIC_URL")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("serve starts");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut secret_key = None;
        for line in stdout.lines().map_while(Result::ok) {
            if let Some(key) = line.strip_prefix("secret key test:") {
                secret_key = Some(key.trim().to_owned());
            }
            if let Some(base) = line.strip_prefix("paylink listening on ") {
                return LoggingServer {
                    child,
                    base: base.trim().to_owned(),
                    secret_key: secret_key.expect("the first serve prints keys"),
                    log,
                    _dir: dir,
                };
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("serve did not start");
    }
}

impl LoggingServer {
    /// Stops the server and returns everything it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for LoggingServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn card_numbers_and_codes_are_never_logged_or_echoed() {
    let server = LoggingServer::start();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let link: Value = client
        .post(format!("{}/links", server.base))
        .basic_auth(&server.secret_key, Some(""))
        .form(&[
            ("amount", "100000"),
            ("currency", "THB"),
            ("title", "Order-384"),
            ("description", ""),
            ("multiple", "true"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut pages = vec![];
    for (number, code) in [
        ("4242424242424242", "731"),
        ("4111111111140011", "732"),
        ("4242424242424241", "733"),
    ] {
        let mut fields = card(number, None);
        fields[4] = ("security_code", code);
        let response = client.post(uri(&link)).form(&fields).send().await.unwrap();
        let html = match response.headers().get("location") {
            Some(location) => {
                let url = format!("{}{}", server.base, location.to_str().unwrap());
                client.get(url).send().await.unwrap().text().await.unwrap()
            }
            None => response.text().await.unwrap(),
        };
        pages.push((number, code, html));
    }
    let logs = server.stop();
    assert!(
        logs.contains("/pay/"),
        "the server logged its requests: {logs}"
    );
    // Codes are three digits, as likely in a timestamp as anywhere: a log
    // that held the form would name its field.
    assert!(!logs.contains("security_code"), "{logs}");
    for (number, code, html) in pages {
        assert!(!logs.contains(&number[4..]), "{logs}");
        assert!(!html.contains(&number[..12]), "{html}");
        assert!(!html.contains(&format!("value=\"{code}\"")), "{html}");
    }
}

/// The page and the receipt name who is paid: the account's display name,
/// or its id until one is set.
#[tokio::test]
async fn payers_see_whom_they_pay() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let page = get(&app, uri(&link), None).await;
    page.assert_is(200, "en", "Order-384");
    assert!(
        page.html.contains(&app.keys.account_id),
        "the id by default"
    );
    let named = send(
        app.request(Method::PATCH, "/account", app.sk())
            .form(&[("display_name", "Siam Coffee <Roasters>")]),
    )
    .await;
    assert_eq!(named.assert_ok()["display_name"], "Siam Coffee <Roasters>");
    let page = get(&app, uri(&link), None).await;
    assert!(
        page.html.contains("Siam Coffee &lt;Roasters&gt;"),
        "{}",
        page.html
    );
    let paid = post(&app, uri(&link), &card("4242424242424242", None)).await;
    let receipt = get(&app, &app.url(&paid.location()), None).await;
    receipt.assert_is(200, "en", "Payment successful");
    assert!(receipt.html.contains("Paid to"));
    assert!(receipt.html.contains("Siam Coffee &lt;Roasters&gt;"));
    let empty = send(
        app.request(Method::PATCH, "/account", app.sk())
            .form(&[("display_name", "  ")]),
    )
    .await;
    empty.assert_error(400, "bad_request");
}
