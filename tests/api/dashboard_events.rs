//! The dashboard's Events and Webhooks sections over HTTP, on both
//! databases: every attempt with its status, time taken and the start of
//! the receiver's answer (escaped, cut at 2 KiB), resending, the webhook
//! URI form, revealing and rolling the signing secret, form tokens, and
//! other accounts' and modes' events.

use crate::helpers::{TestApp, db_tests, send};
use crate::webhooks::{Received, read_request, signed_with};
use paylink::domain::Mode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

db_tests!(
    an_events_attempts_show_status_time_taken_and_the_answer_escaped,
    a_long_answer_is_cut_at_2_kib,
    resend_makes_one_more_attempt_even_after_the_last,
    the_webhook_uri_is_validated_beside_the_field,
    the_secret_is_revealed_on_request_and_rolled,
    forms_without_the_sessions_token_are_refused,
    other_accounts_and_modes_events_are_not_found,
    no_events_or_webhooks_request_is_answered_with_a_server_error,
);

/// A browser of one session (as in `dashboard.rs`).
struct Browser<'a> {
    app: &'a TestApp,
    cookie: Option<String>,
}

struct Page {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get("location")
            .map_or("", |v| v.to_str().unwrap())
    }

    fn csrf(&self) -> String {
        let at = self
            .body
            .find(r#"name="csrf" value=""#)
            .unwrap_or_else(|| panic!("a form token on the page: {}", self.body));
        let rest = &self.body[at + r#"name="csrf" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    /// The text of each `<pre class="answer">`, as the page has it.
    fn answers(&self) -> Vec<&str> {
        let open = r#"<pre class="answer">"#;
        self.body
            .match_indices(open)
            .map(|(at, _)| {
                let rest = &self.body[at + open.len()..];
                &rest[..rest.find("</pre>").unwrap()]
            })
            .collect()
    }
}

impl<'a> Browser<'a> {
    async fn signed_in(app: &'a TestApp, key: &str) -> Browser<'a> {
        let mut browser = Browser { app, cookie: None };
        let page = browser.post("/dashboard/sign-in", &[("key", key)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let set = page.headers["set-cookie"].to_str().unwrap();
        let value = set.split(';').next().unwrap();
        browser.cookie = value.strip_prefix("paylink_session=").map(str::to_owned);
        browser
    }

    async fn request(&self, method: Method, path: &str, form: &[(&str, &str)]) -> Page {
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

    async fn get(&self, path: &str) -> Page {
        self.request(Method::GET, path, &[]).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.request(Method::POST, path, form).await
    }

    async fn csrf(&self) -> String {
        self.get("/dashboard").await.csrf()
    }
}

/// A merchant's receiver that answers each request in turn with a status
/// and a body of its own; the last answer repeats.
struct Receiver {
    uri: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(answers: Vec<(u16, String)>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}/hooks", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let record = got.clone();
        let answers = Arc::new(answers);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (record, answers) = (record.clone(), answers.clone());
                tokio::spawn(async move {
                    let Some(received) = read_request(&mut socket).await else {
                        return;
                    };
                    let turn = {
                        let mut got = record.lock().unwrap();
                        got.push(received);
                        got.len() - 1
                    };
                    let (code, body) = &answers[turn.min(answers.len() - 1)];
                    let reply = format!(
                        "HTTP/1.1 {code} X\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        Receiver { uri, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{} of {n} webhooks arrived",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A server whose failed deliveries are retried within 50 ms.
async fn quick_app(max_attempts: u32) -> TestApp {
    TestApp::spawn_with(|config| {
        config.webhooks.webhook_retry_base = Duration::from_millis(50);
        config.webhooks.webhook_max_attempts = max_attempts;
        config.webhooks.webhook_timeout = Duration::from_secs(2);
        config.webhooks.webhook_poll_interval = Duration::from_millis(20);
    })
    .await
}

/// Sets the mode's webhook URI through the dashboard's form.
async fn set_uri(browser: &Browser<'_>, uri: &str) {
    let csrf = browser.csrf().await;
    let page = browser
        .post(
            "/dashboard/webhooks",
            &[("csrf", &csrf), ("webhook_uri", uri)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// The id of the newest event of `key` the API shows for `sk`.
async fn event_id(app: &TestApp, sk: &str, key: &str) -> String {
    let events = send(app.request(Method::GET, "/events?order=reverse_chronological", sk)).await;
    events.assert_ok()["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == key)
        .unwrap_or_else(|| panic!("a {key} event: {}", events.text))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The event's attempts as the API lists them, once there are `n`.
async fn wait_for_attempts(app: &TestApp, id: &str, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let event = app.get(&format!("/events/{id}")).await;
        let deliveries = event.assert_ok()["webhook_deliveries"]
            .as_array()
            .unwrap()
            .clone();
        if deliveries.len() >= n {
            assert_eq!(deliveries.len(), n, "{deliveries:?}");
            return deliveries;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{deliveries:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn an_events_attempts_show_status_time_taken_and_the_answer_escaped() {
    let app = quick_app(5).await;
    let receiver = Receiver::start(vec![
        (
            500,
            "<script>alert('hooked')</script> down for maintenance".to_owned(),
        ),
        (200, "thanks & goodbye".to_owned()),
    ])
    .await;
    let browser = Browser::signed_in(&app, app.sk()).await;
    set_uri(&browser, &receiver.uri).await;
    let link = app.thb_link(false).await;
    receiver.wait_for(2).await;
    let id = event_id(&app, app.sk(), "link.create").await;
    let api = wait_for_attempts(&app, &id, 2).await;

    // The API's deliveries stay as they were: no time taken, no answer.
    for delivery in &api {
        let mut fields: Vec<&str> = delivery
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "created_at",
                "error",
                "id",
                "key",
                "object",
                "status",
                "uri"
            ]
        );
    }
    // The store keeps both.
    let stored = app.store.webhook_deliveries(&[id.as_str()]).await.unwrap();
    let stored = &stored[0];
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .all(|d| d.duration_micros.is_some_and(|t| t > 0))
    );
    assert_eq!(
        stored[0].response_body.as_deref(),
        Some("<script>alert('hooked')</script> down for maintenance")
    );
    assert_eq!(stored[1].response_body.as_deref(), Some("thanks & goodbye"));

    let list = browser.get("/dashboard/events").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&format!("/dashboard/events/{id}")));
    assert!(list.body.contains("link.create"));
    assert!(list.body.contains(link["id"].as_str().unwrap()));
    assert!(
        list.body
            .contains(r#"<span class="badge ok">Delivered</span>"#)
    );
    assert!(list.body.contains(r#"aria-current="page">Events"#));

    let page = browser.get(&format!("/dashboard/events/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    for shown in [
        "Attempt 1",
        "Attempt 2",
        r#"<span class="badge bad">500</span>"#,
        r#"<span class="badge ok">200</span>"#,
        "the receiver answered 500",
        &receiver.uri,
        // The payload as sent, indented, its fields in the API's order.
        "&quot;object&quot;: &quot;event&quot;,\n  &quot;id&quot;: ",
        "&quot;key&quot;: &quot;link.create&quot;",
    ] {
        assert!(body.contains(shown), "{shown} in {body}");
    }
    assert_eq!(body.matches(r#"<dd class="took">"#).count(), 2);
    assert!(body.contains(" ms</dd>"), "{body}");
    // What the receiver answered is text, never markup.
    assert!(!body.contains("<script>alert"));
    assert_eq!(
        page.answers(),
        [
            "&lt;script&gt;alert('hooked')&lt;/script&gt; down for maintenance",
            "thanks &amp; goodbye"
        ]
    );
    // The page in Thai and Japanese.
    for (lang, words) in [("th", "ครั้งที่ 2"), ("ja", "2回目")] {
        let mut request = app
            .client
            .get(app.url(&format!("/dashboard/events/{id}")))
            .header(
                "cookie",
                format!(
                    "paylink_session={}; paylink_lang={lang}",
                    browser.cookie.as_deref().unwrap()
                ),
            );
        request = request.header("accept-language", lang);
        let text = request.send().await.unwrap().text().await.unwrap();
        assert!(text.contains(words), "{lang}: {text}");
    }
}

async fn a_long_answer_is_cut_at_2_kib() {
    let app = TestApp::spawn().await;
    // 3000 bytes of two-byte characters, then a tail never kept.
    let long = format!("{}TAIL", "é".repeat(1500));
    let receiver = Receiver::start(vec![(200, long)]).await;
    let browser = Browser::signed_in(&app, app.sk()).await;
    set_uri(&browser, &receiver.uri).await;
    app.thb_link(false).await;
    receiver.wait_for(1).await;
    let id = event_id(&app, app.sk(), "link.create").await;
    wait_for_attempts(&app, &id, 1).await;
    let stored = app.store.webhook_deliveries(&[id.as_str()]).await.unwrap();
    let kept = stored[0][0].response_body.clone().unwrap();
    assert_eq!(kept.len(), 2048, "cut at a character boundary");
    assert!(kept.chars().all(|c| c == 'é'));
    let page = browser.get(&format!("/dashboard/events/{id}")).await;
    assert_eq!(page.answers(), [kept.as_str()]);
    assert!(!page.body.contains("TAIL"));
}

async fn resend_makes_one_more_attempt_even_after_the_last() {
    // One attempt only: the first fails and is not retried.
    let app = quick_app(1).await;
    let receiver = Receiver::start(vec![(503, "busy".to_owned()), (200, "ok".to_owned())]).await;
    let browser = Browser::signed_in(&app, app.sk()).await;
    set_uri(&browser, &receiver.uri).await;
    app.thb_link(false).await;
    receiver.wait_for(1).await;
    let id = event_id(&app, app.sk(), "link.create").await;
    wait_for_attempts(&app, &id, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "no retry past the last attempt"
    );
    let page = browser.get(&format!("/dashboard/events/{id}")).await;
    assert!(
        page.body
            .contains(r#"<span class="badge bad">Failing</span>"#)
    );
    assert!(page.body.contains("No more attempts will be made"));
    assert!(
        browser
            .get("/dashboard/events")
            .await
            .body
            .contains(r#"<span class="badge bad">Failing</span>"#)
    );

    // Resend: one more attempt, now, recorded like the others.
    let csrf = page.csrf();
    let sent = browser
        .post(
            &format!("/dashboard/events/{id}/resend"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(
        sent.location(),
        format!("/dashboard/events/{id}?done=resent")
    );
    let got = receiver.wait_for(2).await;
    // The resent body lists the attempt before it.
    assert_eq!(
        got[1].json()["webhook_deliveries"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let api = wait_for_attempts(&app, &id, 2).await;
    assert_eq!(api[1]["status"], 200);
    let page = browser.get(&format!("/dashboard/events/{id}")).await;
    assert!(page.body.contains("Attempt 2"));
    assert!(
        page.body
            .contains(r#"<span class="badge ok">Delivered</span>"#)
    );
    assert_eq!(page.answers(), ["busy", "ok"]);

    // A delivered event can be resent too, once per press.
    let sent = browser
        .post(
            &format!("/dashboard/events/{id}/resend"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    receiver.wait_for(3).await;
    wait_for_attempts(&app, &id, 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 3);
    assert_eq!(app.store.webhooks_waiting().await.unwrap(), 0);
}

async fn the_webhook_uri_is_validated_beside_the_field() {
    let app = TestApp::spawn().await;
    let browser = Browser::signed_in(&app, app.sk()).await;
    let empty = browser.get("/dashboard/webhooks").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("Webhooks are off in this mode."));
    assert!(empty.body.contains(r#"<span class="badge off">Off</span>"#));
    assert!(empty.body.contains(r#"aria-current="page">Webhooks"#));
    let csrf = empty.csrf();
    for (typed, message) in [
        ("ftp://shop.example/hooks", "must be an http or https URL"),
        ("shop.example/hooks", "is not a valid URL"),
        ("javascript:alert(1)", "must be an http or https URL"),
        (
            "https://shop.example/\u{7}x",
            "must not contain control characters",
        ),
    ] {
        let page = browser
            .post(
                "/dashboard/webhooks",
                &[("csrf", &csrf), ("webhook_uri", typed)],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{typed}");
        assert!(page.body.contains(message), "{typed}: {}", page.body);
        assert!(page.body.contains(r#"id="webhook-uri-error""#));
        assert!(page.body.contains(r#"aria-invalid="true""#));
        if !typed.contains('\u{7}') {
            assert!(
                page.body.contains(&format!(r#"value="{typed}""#)),
                "{typed} kept: {}",
                page.body
            );
        }
    }
    // Nothing was set.
    assert_eq!(
        app.get("/account").await.assert_ok()["webhook_uri"],
        Value::Null
    );

    let uri = "https://shop.example/hooks?a=1&b=2";
    let page = browser
        .post(
            "/dashboard/webhooks",
            &[("csrf", &csrf), ("webhook_uri", &format!("  {uri} "))],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/dashboard/webhooks?done=uri-saved");
    assert_eq!(app.get("/account").await.assert_ok()["webhook_uri"], uri);
    let page = browser.get(page.location()).await;
    assert!(page.body.contains("Webhook URI saved."));
    assert!(page.body.contains(r#"<span class="badge ok">On</span>"#));
    assert!(!page.body.contains("Webhooks are off in this mode."));
    assert!(
        page.body
            .contains(r#"value="https://shop.example/hooks?a=1&amp;b=2""#)
    );
    // The live mode's URI is its own.
    let live = send(app.request(Method::GET, "/account", &app.keys.secret_key_live)).await;
    assert_eq!(live.assert_ok()["webhook_uri"], Value::Null);

    // Empty turns webhooks off.
    let page = browser
        .post(
            "/dashboard/webhooks",
            &[("csrf", &csrf), ("webhook_uri", "")],
        )
        .await;
    assert_eq!(page.location(), "/dashboard/webhooks?done=uri-off");
    assert_eq!(
        app.get("/account").await.assert_ok()["webhook_uri"],
        Value::Null
    );
}

async fn secret_of(app: &TestApp) -> paylink::store::AccountSettings {
    app.store
        .account_settings(&app.keys.account_id, Mode::Test)
        .await
        .unwrap()
        .expect("settings")
}

async fn the_secret_is_revealed_on_request_and_rolled() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(vec![(200, "ok".to_owned())]).await;
    let browser = Browser::signed_in(&app, app.sk()).await;
    set_uri(&browser, &receiver.uri).await;
    let old = secret_of(&app).await.webhook_secret;
    let page = browser.get("/dashboard/webhooks").await;
    assert!(!page.body.contains(&old), "not shown unasked");
    assert!(page.body.contains("Reveal secret"));

    // Revealed in answer to the form, with its token only.
    let refused = browser.post("/dashboard/webhooks/secret", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains(&old));
    let csrf = page.csrf();
    let shown = browser
        .post("/dashboard/webhooks/secret", &[("csrf", &csrf)])
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.headers["cache-control"], "no-store");
    assert!(shown.body.contains(&format!(r#"value="{old}""#)));

    // Rolled: a new secret, the old one signing beside it for a day.
    let refused = browser.post("/dashboard/webhooks/roll", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(secret_of(&app).await.webhook_secret, old);
    let rolled = browser
        .post("/dashboard/webhooks/roll", &[("csrf", &csrf)])
        .await;
    assert_eq!(rolled.status, StatusCode::SEE_OTHER);
    assert_eq!(rolled.location(), "/dashboard/webhooks?done=rolled");
    let settings = secret_of(&app).await;
    assert_ne!(settings.webhook_secret, old);
    assert_eq!(
        settings.previous_webhook_secret.as_deref(),
        Some(old.as_str())
    );
    let day = 24 * 3600 * 1_000_000;
    let until = settings.previous_secret_until.unwrap();
    let left = until - paylink::domain::list::now();
    assert!(left > day - 60_000_000 && left <= day, "{left}");
    let page = browser.get(rolled.location()).await;
    assert!(page.body.contains("Secret rolled."));
    assert!(
        page.body
            .contains("The previous secret still signs too, until")
    );
    assert!(!page.body.contains(&settings.webhook_secret));
    let shown = browser
        .post("/dashboard/webhooks/secret", &[("csrf", &csrf)])
        .await;
    assert!(
        shown
            .body
            .contains(&format!(r#"value="{}""#, settings.webhook_secret))
    );

    // A webhook now carries both signatures.
    app.thb_link(false).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].headers["omise-signature"].split(',').count(), 2);
    assert!(signed_with(&got[0], &settings.webhook_secret));
    assert!(signed_with(&got[0], &old));
}

async fn forms_without_the_sessions_token_are_refused() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(vec![(200, "ok".to_owned())]).await;
    let browser = Browser::signed_in(&app, app.sk()).await;
    set_uri(&browser, &receiver.uri).await;
    app.thb_link(false).await;
    receiver.wait_for(1).await;
    let id = event_id(&app, app.sk(), "link.create").await;
    wait_for_attempts(&app, &id, 1).await;
    let other = Browser::signed_in(&app, app.sk()).await;
    let foreign = other.csrf().await;
    let secret = secret_of(&app).await.webhook_secret;
    for csrf in ["", "nonsense", foreign.as_str()] {
        let resend = browser
            .post(&format!("/dashboard/events/{id}/resend"), &[("csrf", csrf)])
            .await;
        assert_eq!(resend.status, StatusCode::FORBIDDEN, "{csrf}");
        let save = browser
            .post(
                "/dashboard/webhooks",
                &[
                    ("csrf", csrf),
                    ("webhook_uri", "https://elsewhere.example/"),
                ],
            )
            .await;
        assert_eq!(save.status, StatusCode::FORBIDDEN, "{csrf}");
        let reveal = browser
            .post("/dashboard/webhooks/secret", &[("csrf", csrf)])
            .await;
        assert_eq!(reveal.status, StatusCode::FORBIDDEN);
        assert!(!reveal.body.contains(&secret));
        let roll = browser
            .post("/dashboard/webhooks/roll", &[("csrf", csrf)])
            .await;
        assert_eq!(roll.status, StatusCode::FORBIDDEN);
    }
    // Nothing changed: no attempt more, the same URI and secret.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(app.store.webhooks_waiting().await.unwrap(), 0);
    assert_eq!(
        app.get("/account").await.assert_ok()["webhook_uri"],
        receiver.uri.as_str()
    );
    let settings = secret_of(&app).await;
    assert_eq!(settings.webhook_secret, secret);
    assert_eq!(settings.previous_webhook_secret, None);
}

async fn other_accounts_and_modes_events_are_not_found() {
    let app = TestApp::spawn().await;
    let other = paylink::accounts::create_account(app.store.as_ref())
        .await
        .unwrap();
    app.create_link_with(
        &other.secret_key_test,
        json!({"amount": 100000, "currency": "THB", "title": "Theirs", "description": ""}),
    )
    .await;
    app.create_link_with(
        &app.keys.secret_key_live,
        json!({"amount": 100000, "currency": "THB", "title": "Live one", "description": ""}),
    )
    .await;
    app.thb_link(false).await;
    let theirs = event_id(&app, &other.secret_key_test, "link.create").await;
    let live = event_id(&app, &app.keys.secret_key_live, "link.create").await;
    let mine = event_id(&app, app.sk(), "link.create").await;
    let browser = Browser::signed_in(&app, app.sk()).await;
    assert_eq!(
        browser
            .get(&format!("/dashboard/events/{mine}"))
            .await
            .status,
        StatusCode::OK
    );
    let csrf = browser.csrf().await;
    for id in [theirs.as_str(), live.as_str(), "evnt_test_nothere"] {
        let page = browser.get(&format!("/dashboard/events/{id}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{id}");
        let page = browser
            .post(
                &format!("/dashboard/events/{id}/resend"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{id}");
    }
    let list = browser.get("/dashboard/events").await;
    assert!(list.body.contains(&mine));
    assert!(!list.body.contains(&theirs) && !list.body.contains(&live));
    // Nothing of theirs was queued.
    assert_eq!(app.store.webhooks_waiting().await.unwrap(), 0);
    // The live session sees its own event, not the test one.
    let live_browser = Browser::signed_in(&app, &app.keys.secret_key_live).await;
    assert_eq!(
        live_browser
            .get(&format!("/dashboard/events/{live}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        live_browser
            .get(&format!("/dashboard/events/{mine}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// A seeded walk over the Events and Webhooks routes, signed in and not,
/// with real, foreign and malformed ids, junk parameters and forms with and
/// without the session's token: every answer is a page or a redirect,
/// never a 5xx.
async fn no_events_or_webhooks_request_is_answered_with_a_server_error() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(vec![(200, "ok".to_owned())]).await;
    let signed = Browser::signed_in(&app, app.sk()).await;
    set_uri(&signed, &receiver.uri).await;
    app.thb_link(false).await;
    let event = event_id(&app, app.sk(), "link.create").await;
    let csrf = signed.csrf().await;
    let anonymous = Browser {
        app: &app,
        cookie: None,
    };
    let ids = [
        event.as_str(),
        "evnt_test_nothere",
        "link_test_nothere",
        "%00",
        "%FF%FE",
        "..%2F..%2Fetc",
        "%3Cscript%3E",
        &"x".repeat(3000),
        "evnt_%E0%B8%81",
    ];
    let values = [
        "",
        "0",
        "-1",
        "99999999999999999999",
        "\0",
        "<b>",
        "ฟ",
        "https://shop.example/hooks",
        "http://[::1]:99999/",
        "https://shop.example/\0",
        "resent",
    ];
    let routes = [
        ("GET", "/dashboard/events"),
        ("GET", "/dashboard/events/{id}"),
        ("POST", "/dashboard/events/{id}/resend"),
        ("GET", "/dashboard/webhooks"),
        ("POST", "/dashboard/webhooks"),
        ("POST", "/dashboard/webhooks/secret"),
        ("POST", "/dashboard/webhooks/roll"),
        ("DELETE", "/dashboard/webhooks"),
        ("GET", "/dashboard/events/{id}/resend"),
    ];
    let fields = ["offset", "done", "webhook_uri", "q"];
    let mut seed: u64 = 0x5eed_e7e7;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut failures = vec![];
    for round in 0..200 {
        let (method, route) = routes[next(routes.len())];
        let path = route.replace("{id}", ids[next(ids.len())]);
        let query: Vec<String> = (0..next(3))
            .map(|_| {
                format!(
                    "{}={}",
                    fields[next(fields.len())],
                    values[next(values.len())]
                )
            })
            .collect();
        let url = if query.is_empty() {
            path
        } else {
            format!("{path}?{}", query.join("&"))
        };
        let mut form: Vec<(&str, &str)> = (0..next(4))
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
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
