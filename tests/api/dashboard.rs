//! The dashboard over HTTP: sign-in, sessions, form tokens, isolation and
//! escaping, on both databases.

use crate::helpers::{PgDatabase, TestApp, db_tests, postgres_url, send};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

db_tests!(
    a_secret_key_signs_in_and_nothing_else_does,
    sign_out_idleness_and_a_rolled_key_end_a_session,
    a_change_without_the_sessions_form_token_is_refused_and_changes_nothing,
    a_session_sees_only_its_account_and_mode,
    what_others_wrote_is_escaped,
    a_link_is_made_with_the_amount_in_the_main_unit,
    a_charge_is_refunded_and_completed_from_its_page,
    failed_sign_ins_are_limited_per_address,
    the_overview_sums_what_the_charges_did,
    no_dashboard_request_is_answered_with_a_server_error,
);

/// A browser of one session: its cookie, and its pages' form token.
pub(crate) struct Browser<'a> {
    pub(crate) app: &'a TestApp,
    pub(crate) cookie: Option<String>,
}

/// A page: status, headers and body.
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get("location")
            .map_or("", |v| v.to_str().unwrap())
    }

    /// The form token the page's forms carry.
    pub(crate) fn csrf(&self) -> String {
        let at = self
            .body
            .find(r#"name="csrf" value=""#)
            .unwrap_or_else(|| panic!("a form token on the page: {}", self.body));
        let rest = &self.body[at + r#"name="csrf" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Browser<'a> {
        Browser { app, cookie: None }
    }

    pub(crate) async fn request(&self, method: Method, path: &str, form: &[(&str, &str)]) -> Page {
        let mut request = self.app.client.request(method, self.app.url(path));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", format!("paylink_session={cookie}"));
        }
        if !form.is_empty() {
            request = request.form(form);
        }
        let response = request.send().await.unwrap();
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Page {
        self.request(Method::GET, path, &[]).await
    }

    pub(crate) async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.request(Method::POST, path, form).await
    }

    /// Signs in with `key`; the page the form answers with.
    pub(crate) async fn sign_in(&mut self, key: &str) -> Page {
        let page = self.post("/dashboard/sign-in", &[("key", key)]).await;
        if let Some(set) = page.headers.get("set-cookie") {
            let set = set.to_str().unwrap();
            let value = set.split(';').next().unwrap();
            self.cookie = value.strip_prefix("paylink_session=").map(str::to_owned);
        }
        page
    }

    /// The current form token, read from the overview.
    pub(crate) async fn csrf(&self) -> String {
        self.get("/dashboard").await.csrf()
    }
}

async fn a_secret_key_signs_in_and_nothing_else_does() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/dashboard/sign-in");

    for bad in [
        app.pk().to_owned(),
        "skey_test_nothere0000000000".to_owned(),
        "not a key".to_owned(),
        String::new(),
        format!("{}x", app.sk()),
    ] {
        let page = browser.sign_in(&bad).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert!(page.headers.get("set-cookie").is_none());
        // One message for every refusal: nothing says which part was wrong.
        assert!(
            page.body
                .contains("That is not a secret key of an account here")
        );
        assert!(!page.body.contains(&bad) || bad.is_empty());
    }

    let page = browser.sign_in(app.sk()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/dashboard");
    let cookie = page.headers["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/dashboard"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let token = browser.cookie.clone().unwrap();
    assert!(token.len() >= 43, "256 bits: {token}");

    let overview = browser.get("/dashboard").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.body.contains("Test mode"));
    for header in [
        "content-security-policy",
        "x-frame-options",
        "cache-control",
    ] {
        assert!(overview.headers.contains_key(header), "{header}");
    }
    assert_eq!(overview.headers["cache-control"], "no-store");
    assert!(
        overview.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("form-action 'self'")
    );
    // A new sign-in is a new token.
    let mut again = Browser::new(&app);
    again.sign_in(app.sk()).await;
    assert_ne!(again.cookie, browser.cookie);

    // The live key opens live mode.
    let mut live = Browser::new(&app);
    assert_eq!(
        live.sign_in(&app.keys.secret_key_live).await.status,
        StatusCode::SEE_OTHER
    );
    let page = live.get("/dashboard").await;
    assert!(page.body.contains("Live mode") && !page.body.contains("Test mode"));
}

async fn sign_out_idleness_and_a_rolled_key_end_a_session() {
    let app = TestApp::spawn().await;
    let mut a = Browser::new(&app);
    a.sign_in(app.sk()).await;
    let mut b = Browser::new(&app);
    b.sign_in(app.sk()).await;
    let csrf = a.csrf().await;
    let out = a.post("/dashboard/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("paylink_session=")
    );
    // The same cookie, sent again, opens nothing; the other session stays.
    assert_eq!(a.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/dashboard").await.status, StatusCode::OK);

    // Rolling the keys ends the sessions they made.
    paylink::accounts::roll_keys(app.store.as_ref(), &app.keys.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b.get("/dashboard").await.status, StatusCode::SEE_OTHER);

    // Idle sessions end.
    let quick = TestApp::spawn_with(|c| c.dashboard_idle_timeout = Duration::from_secs(1)).await;
    let mut c = Browser::new(&quick);
    c.sign_in(quick.sk()).await;
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(c.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

async fn a_change_without_the_sessions_form_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut mine = Browser::new(&app);
    mine.sign_in(app.sk()).await;
    let mut other = Browser::new(&app);
    other.sign_in(app.sk()).await;
    let foreign = other.csrf().await;
    let form = |csrf: &'static str| {
        vec![
            ("title", "Mug"),
            ("description", "Blue"),
            ("amount", "100"),
            ("currency", "THB"),
            ("csrf", csrf),
        ]
    };
    let foreign: &'static str = Box::leak(foreign.into_boxed_str());
    for csrf in ["", "nonsense", foreign] {
        let page = mine.post("/dashboard/links", &form(csrf)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{csrf}");
    }
    let link = app.thb_link(true).await;
    let id = link["id"].as_str().unwrap();
    let page = mine
        .post(
            &format!("/dashboard/links/{id}/delete"),
            &[("csrf", foreign)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = mine.post("/dashboard/sign-out", &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Nothing changed: one link, not deleted; the session still works.
    let links = app.get("/links").await;
    assert_eq!(links.assert_ok()["total"], 1);
    assert_eq!(
        app.get(&format!("/links/{id}")).await.assert_ok()["deleted"],
        false
    );
    assert_eq!(mine.get("/dashboard").await.status, StatusCode::OK);
    // With its own token the same form works.
    let csrf = mine.csrf().await;
    let page = mine
        .post(&format!("/dashboard/links/{id}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/links/{id}")).await.assert_ok()["deleted"],
        true
    );
}

async fn a_session_sees_only_its_account_and_mode() {
    let app = TestApp::spawn().await;
    let other = paylink::accounts::create_account(app.store.as_ref())
        .await
        .unwrap();
    let theirs = app
        .create_link_with(
            &other.secret_key_test,
            json!({"amount": 100000, "currency": "THB", "title": "Theirs", "description": ""}),
        )
        .await;
    let live = app
        .create_link_with(
            &app.keys.secret_key_live,
            json!({"amount": 100000, "currency": "THB", "title": "Live one", "description": ""}),
        )
        .await;
    let mine = app.thb_link(true).await;
    let charge = app.pay_ok(&mine, "4242424242424242").await;
    let mut browser = Browser::new(&app);
    browser.sign_in(app.sk()).await;
    assert_eq!(
        browser
            .get(&format!(
                "/dashboard/links/{}",
                mine["id"].as_str().unwrap()
            ))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        browser
            .get(&format!("/dashboard/charges/{charge}"))
            .await
            .status,
        StatusCode::OK
    );
    for id in [
        theirs["id"].as_str().unwrap(),
        live["id"].as_str().unwrap(),
        "link_test_nothere",
    ] {
        let page = browser.get(&format!("/dashboard/links/{id}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{id}");
        let csrf = browser.csrf().await;
        let page = browser
            .post(&format!("/dashboard/links/{id}/delete"), &[("csrf", &csrf)])
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{id}");
    }
    let list = browser.get("/dashboard/links").await;
    assert!(!list.body.contains("Theirs") && !list.body.contains("Live one"));
    // The live session does not see the test charge.
    let mut live_browser = Browser::new(&app);
    live_browser.sign_in(&app.keys.secret_key_live).await;
    assert_eq!(
        live_browser
            .get(&format!("/dashboard/charges/{charge}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !live_browser
            .get("/dashboard/charges")
            .await
            .body
            .contains(&charge)
    );
    // Nothing of theirs was deleted.
    let theirs_now = send(app.request(
        Method::GET,
        &format!("/links/{}", theirs["id"].as_str().unwrap()),
        &other.secret_key_test,
    ))
    .await;
    assert_eq!(theirs_now.assert_ok()["deleted"], false);
}

async fn what_others_wrote_is_escaped() {
    let app = TestApp::spawn().await;
    let link = app
        .create_link(json!({
            "amount": 100000, "currency": "THB",
            "title": "<script>alert(1)</script>", "description": "\"><img src=x onerror=alert(2)>",
            "multiple": true,
        }))
        .await;
    // A payer's card name is someone else's text too.
    let mut fields = crate::helpers::card_fields("4242424242424242");
    fields["name"] = Value::from("<b>Payer</b>");
    let token = send(
        app.request(Method::POST, "/tokens", app.pk())
            .json(&json!({"card": fields})),
    )
    .await;
    let token = token.assert_ok()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.pay(&link, &token).await.status(), StatusCode::SEE_OTHER);
    let mut browser = Browser::new(&app);
    browser.sign_in(app.sk()).await;
    let id = link["id"].as_str().unwrap();
    for path in [
        "/dashboard".to_owned(),
        "/dashboard/links".to_owned(),
        format!("/dashboard/links/{id}"),
        "/dashboard/charges".to_owned(),
        "/dashboard/links?q=%3Cscript%3E".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        for raw in ["<script>alert", "<img src=x", "<b>Payer"] {
            assert!(!page.body.contains(raw), "{path} shows {raw} unescaped");
        }
    }
    let links = browser.get("/dashboard/links").await;
    assert!(links.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let charges = browser.get("/dashboard/charges").await;
    assert!(charges.body.contains("&lt;b&gt;Payer&lt;/b&gt;"));
}

async fn a_link_is_made_with_the_amount_in_the_main_unit() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(app.sk()).await;
    let csrf = browser.get("/dashboard/links/new").await.csrf();
    let page = browser
        .post(
            "/dashboard/links",
            &[
                ("title", "Blue mug"),
                ("description", "Large"),
                ("amount", "1,000.50"),
                ("currency", "THB"),
                ("multiple", "true"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id = page
        .location()
        .strip_prefix("/dashboard/links/")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let link = app.get(&format!("/links/{id}")).await;
    let link = link.assert_ok();
    assert_eq!(link["amount"], 100050);
    assert_eq!(link["multiple"], true);
    assert_eq!(link["title"], "Blue mug");
    let shown = browser.get(&format!("/dashboard/links/{id}")).await;
    assert!(shown.body.contains("฿1,000.50"));
    assert!(shown.body.contains(link["payment_uri"].as_str().unwrap()));
    assert!(shown.body.contains("<svg"), "the QR code");

    // Refused as the API refuses, each problem at its field, what was
    // typed kept.
    for (amount, currency, title, field, says) in [
        ("12.345", "THB", "Mug", "amount", "at most 2 decimals"),
        ("10", "THB", "Mug", "amount", "between ฿20.00 and"),
        ("ten", "THB", "Mug", "amount", "is not an amount"),
        ("50", "JPY", "Mug", "amount", "between ¥100 and"),
        ("1,000", "XXX", "Mug", "currency", "currency"),
        ("1,000", "THB", "   ", "title", "title is required"),
    ] {
        let page = browser
            .post(
                "/dashboard/links",
                &[
                    ("title", title),
                    ("description", "kept text"),
                    ("amount", amount),
                    ("currency", currency),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{amount} {currency}");
        assert!(
            page.body.contains(&format!(r#"id="{field}-error""#)),
            "{field}: {}",
            page.body
        );
        assert!(page.body.contains(says), "{says}: {}", page.body);
        assert!(page.body.contains("kept text"));
        assert!(page.body.contains(&format!(r#"value="{amount}""#)));
    }
    assert_eq!(app.get("/links").await.assert_ok()["total"], 1);
}

async fn a_charge_is_refunded_and_completed_from_its_page() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let mut browser = Browser::new(&app);
    browser.sign_in(app.sk()).await;
    let page = browser.get(&format!("/dashboard/charges/{charge}")).await;
    assert!(page.body.contains("฿1,000.00") && page.body.contains("4242"));
    let csrf = page.csrf();
    let refund = |amount: &'static str| {
        let csrf = csrf.clone();
        let browser = &browser;
        let charge = charge.clone();
        async move {
            browser
                .post(
                    &format!("/dashboard/charges/{charge}/refunds"),
                    &[("amount", amount), ("csrf", &csrf)],
                )
                .await
        }
    };
    let done = refund("400.50").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let api = app.get(&format!("/charges/{charge}")).await;
    assert_eq!(api.assert_ok()["refunded_amount"], 40050);
    let too_much = refund("600").await;
    assert_eq!(too_much.status, StatusCode::BAD_REQUEST);
    assert!(too_much.body.contains("field-error"), "{}", too_much.body);
    assert!(too_much.body.contains(r#"value="600""#));
    assert_eq!(refund("0").await.status, StatusCode::BAD_REQUEST);
    let api = app.get(&format!("/charges/{charge}")).await;
    assert_eq!(api.assert_ok()["refunded_amount"], 40050);

    // A pending 3-D Secure charge is marked as paid from its page.
    let token = app.token("4000000000003220").await;
    let paid = app.pay(&link, &token).await;
    let location = paid.headers()["location"].to_str().unwrap();
    let pending = location.rsplit('/').next().unwrap().to_owned();
    assert!(pending.starts_with("chrg_test_"), "{location}");
    let page = browser.get(&format!("/dashboard/charges/{pending}")).await;
    assert!(page.body.contains("Mark as paid"));
    let marked = browser
        .post(
            &format!("/dashboard/charges/{pending}/complete"),
            &[("as", "paid"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    let api = app.get(&format!("/charges/{pending}")).await;
    assert_eq!(api.assert_ok()["status"], "successful");
}

async fn failed_sign_ins_are_limited_per_address() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let mut limited = None;
    for _ in 0..12 {
        let page = browser.sign_in("skey_test_guess000000000000").await;
        if page.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(page);
            break;
        }
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = limited.expect("the eleventh attempt at once is refused");
    let wait: u64 = page.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Even the right key waits: the form is no oracle.
    assert_eq!(
        browser.sign_in(app.sk()).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Two processes on one PostgreSQL share sessions: a sign-in on one is a
/// session on the other, and a sign-out on one ends it on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    paylink_no_postgres,
    ignore = "needs PostgreSQL: set PAYLINK_TEST_POSTGRES_URL"
)]
async fn two_processes_share_sessions() {
    let Some(admin) = postgres_url() else { return };
    let db = PgDatabase::create(&admin).await;
    let a = TestApp::spawn_on(&db.url, |_| {}).await;
    let b = TestApp::spawn_on(&db.url, |_| {}).await;
    let mut on_a = Browser::new(&a);
    on_a.sign_in(a.sk()).await;
    let on_b = Browser {
        app: &b,
        cookie: on_a.cookie.clone(),
    };
    let page = on_b.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();
    assert_eq!(
        on_b.post("/dashboard/sign-out", &[("csrf", &csrf)])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(on_a.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

/// The figures of the overview's three tiles, as text.
fn tiles(page: &Page) -> String {
    let start = page.body.find(r#"class="tiles""#).expect("the tiles");
    let end = page.body[start..]
        .find("</section><section class=\"card\"><h2>")
        .map_or(page.body.len(), |e| start + e);
    page.body[start..end].to_owned()
}

async fn the_overview_sums_what_the_charges_did() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(app.sk()).await;
    let empty = browser.get("/dashboard").await;
    assert!(empty.body.contains("No payments yet"), "{}", empty.body);

    let link = app.thb_link(true).await;
    app.pay_ok(&link, "4242424242424242").await;
    app.pay_ok(&link, "4242424242424242").await;
    app.pay_ok(&link, "4111111111140011").await;
    let token = app.token("4000000000003220").await;
    let location = app.pay(&link, &token).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let pending = location.rsplit('/').next().unwrap().to_owned();
    let yen = app
        .create_link(json!({"amount": 5000, "currency": "JPY", "title": "Tea", "description": "", "multiple": true}))
        .await;
    app.pay_ok(&yen, "4242424242424242").await;
    // Another mode's payments are not this session's.
    let live = app
        .create_link_with(
            &app.keys.secret_key_live,
            json!({"amount": 700000, "currency": "THB", "title": "Live", "description": ""}),
        )
        .await;
    assert!(live["id"].is_string());

    let page = browser.get("/dashboard").await;
    let figures = tiles(&page);
    assert!(
        figures.contains("฿2,000.00") && figures.contains("¥5,000"),
        "{figures}"
    );
    // successful 3, failed 1, pending 1.
    assert!(
        figures.contains("Successful</span><strong>3</strong>"),
        "{figures}"
    );
    assert!(
        figures.contains("Failed</span><strong>1</strong>"),
        "{figures}"
    );
    assert!(
        figures.contains("Pending</span><strong>1</strong>"),
        "{figures}"
    );
    assert!(page.body.contains("<svg") && page.body.contains("class=\"bar\""));

    // A pending charge that succeeds moves to its new status and amount.
    send(app.request(
        Method::POST,
        &format!("/charges/{pending}/mark_as_paid"),
        app.sk(),
    ))
    .await
    .assert_ok();
    let figures = tiles(&browser.get("/dashboard").await);
    assert!(figures.contains("฿3,000.00"), "{figures}");
    assert!(
        figures.contains("Successful</span><strong>4</strong>"),
        "{figures}"
    );
    assert!(
        figures.contains("Pending</span><strong>0</strong>"),
        "{figures}"
    );

    // The reset empties the test mode's sums.
    send(app.request(Method::POST, "/_paylink/reset", app.sk()))
        .await
        .assert_ok();
    let page = browser.get("/dashboard").await;
    assert!(page.body.contains("No payments yet"));
    assert!(tiles(&page).contains("Successful</span><strong>0</strong>"));
}

/// A seeded walk over every dashboard route, signed in and not, with real,
/// foreign and malformed ids, junk parameters and forms with and without
/// the session's token: every answer is a page or a redirect, never a 5xx.
async fn no_dashboard_request_is_answered_with_a_server_error() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let link_id = link["id"].as_str().unwrap().to_owned();
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let mut signed = Browser::new(&app);
    signed.sign_in(app.sk()).await;
    let csrf = signed.csrf().await;
    let anonymous = Browser::new(&app);
    let ids = [
        link_id.as_str(),
        charge.as_str(),
        "link_test_nothere",
        "chrg_test_nothere",
        "%00",
        "%FF%FE",
        "..%2F..%2Fetc",
        "%3Cscript%3E",
        &"x".repeat(3000),
        "link_%E0%B8%81",
    ];
    let values = [
        "",
        "0",
        "-1",
        "1,000.50",
        "99999999999999999999",
        "\0",
        "<b>",
        "ฟ",
        "1e9",
        "12.345",
    ];
    let routes = [
        ("GET", "/dashboard"),
        ("GET", "/dashboard/links"),
        ("GET", "/dashboard/links/new"),
        ("POST", "/dashboard/links"),
        ("GET", "/dashboard/links/{id}"),
        ("POST", "/dashboard/links/{id}/delete"),
        ("GET", "/dashboard/charges"),
        ("GET", "/dashboard/charges/{id}"),
        ("POST", "/dashboard/charges/{id}/refunds"),
        ("POST", "/dashboard/charges/{id}/complete"),
        ("GET", "/dashboard/lang"),
        ("POST", "/dashboard/sign-out"),
        ("GET", "/dashboard/nothing/here"),
        ("DELETE", "/dashboard/links"),
    ];
    let fields = [
        "q",
        "state",
        "status",
        "offset",
        "amount",
        "currency",
        "title",
        "description",
        "multiple",
        "as",
        "to",
        "back",
        "done",
    ];
    let mut seed: u64 = 0x5eed_da5b;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut failures = vec![];
    for round in 0..300 {
        let (method, route) = routes[next(routes.len())];
        let path = route.replace("{id}", ids[next(ids.len())]);
        let mut query = vec![];
        for _ in 0..next(3) {
            query.push(format!(
                "{}={}",
                fields[next(fields.len())],
                values[next(values.len())]
            ));
        }
        let url = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{}", query.join("&"))
        };
        let mut form: Vec<(&str, &str)> = (0..next(5))
            .map(|_| (fields[next(fields.len())], values[next(values.len())]))
            .collect();
        if next(3) > 0 {
            form.push(("csrf", &csrf));
        }
        let browser = if next(4) == 0 { &anonymous } else { &signed };
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let page = browser.request(method.clone(), &url, &form).await;
        let html = page
            .headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
        let fine = page.status.as_u16() < 500
            && (page.status.is_redirection()
                || html
                || page.status == StatusCode::METHOD_NOT_ALLOWED);
        if !fine {
            failures.push(format!(
                "#{round} {method} {url} {form:?}: {} {}",
                page.status,
                &page.body[..page.body.len().min(200)]
            ));
        }
        // A sign-out ends the session: sign in again.
        if page.status == StatusCode::SEE_OTHER
            && page.location() == "/dashboard/sign-in"
            && route == "/dashboard/sign-out"
        {
            let _ = signed.sign_in(app.sk()).await;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
