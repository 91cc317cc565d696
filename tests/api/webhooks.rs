//! Webhooks as a merchant's receiver meets them: signed, equal to the event,
//! retried after failures, given up after the last attempt, never lost to a
//! crash, and sent once by one of several processes.

use crate::cli::{new_account, run, serve_with};
use crate::helpers::{PgDatabase, TestApp, card_fields, db_tests, postgres_url, send};
use base64::Engine;
use hmac::{Hmac, Mac};
use paylink::domain::Mode;
use paylink::store::SettingsChange;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the receiver does with each request, in turn; the last repeats.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Status(u16),
    /// Close the connection without answering.
    Hang,
}

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A merchant's webhook endpoint, over a plain socket so that it can also
/// hang up mid-request.
pub struct Receiver {
    pub uri: String,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(answers: Vec<Answer>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Receiver::start_on(listener, answers)
    }

    pub fn start_on(listener: TcpListener, answers: Vec<Answer>) -> Receiver {
        let uri = format!("http://{}/hooks", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let record = got.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
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
                    match answers[turn.min(answers.len() - 1)] {
                        Answer::Hang => drop(socket),
                        Answer::Status(code) => {
                            let reply = format!(
                                "HTTP/1.1 {code} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                            );
                            let _ = socket.write_all(reply.as_bytes()).await;
                        }
                    }
                });
            }
        });
        Receiver { uri, got }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived, or panics after `limit`.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < limit,
                "{} of {n} webhooks arrived within {limit:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length")?.parse().ok()?;
    while buf.len() < head_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    assert!(head.starts_with("POST /hooks HTTP/1.1"), "{head}");
    Some(Received {
        headers,
        body: buf[head_end..head_end + length].to_vec(),
    })
}

/// Checks the signature the way a merchant's code does, with the `hmac`
/// crate, never through paylink: true if any listed signature matches.
pub fn signed_with(received: &Received, secret_base64: &str) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret_base64)
        .unwrap();
    let timestamp = &received.headers["omise-signature-timestamp"];
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&received.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    received.headers["omise-signature"]
        .split(',')
        .any(|s| s.trim() == expected)
}

/// Points the test account's test-mode webhooks at `uri`; its secret.
async fn set_webhook(app: &TestApp, uri: &str) -> String {
    let reply = send(
        app.request(Method::PATCH, "/account", app.sk())
            .form(&[("webhook_uri", uri)]),
    )
    .await;
    assert_eq!(reply.assert_ok()["webhook_uri"], uri);
    app.store
        .change_settings(
            &app.keys.account_id,
            Mode::Test,
            &SettingsChange::default(),
            "unused",
        )
        .await
        .unwrap()
        .unwrap()
        .webhook_secret
}

fn without_deliveries(mut event: Value) -> Value {
    event.as_object_mut().unwrap().remove("webhook_deliveries");
    event
}

async fn deliveries_are_signed_and_equal_the_event() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(vec![Answer::Status(200)]).await;
    let secret = set_webhook(&app, &receiver.uri).await;
    let link = app.thb_link(false).await;
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    let mut keys = vec![];
    for received in &got {
        assert!(signed_with(received, &secret), "{:?}", received.headers);
        assert!(!signed_with(
            received,
            &paylink::domain::event::new_webhook_secret()
        ));
        assert_eq!(received.headers["content-type"], "application/json");
        assert!(received.headers["user-agent"].starts_with("paylink/"));
        let timestamp: i64 = received.headers["omise-signature-timestamp"]
            .parse()
            .unwrap();
        let now = jiff::Timestamp::now().as_second();
        assert!((now - timestamp).abs() < 60, "{timestamp} vs {now}");
        let body = received.json();
        let id = body["id"].as_str().unwrap();
        // The attempt is recorded once the receiver has answered (after
        // its 200 reached the worker), so it shows a moment later.
        wait_for_attempts(&app, id, 1).await;
        let event = app.get(&format!("/events/{id}")).await.assert_ok().clone();
        assert_eq!(
            without_deliveries(body.clone()),
            without_deliveries(event.clone())
        );
        assert_eq!(body["webhook_deliveries"], json!([]), "the first attempt");
        let attempts = event["webhook_deliveries"].as_array().unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0]["object"], "webhook_delivery");
        assert!(
            attempts[0]["id"]
                .as_str()
                .unwrap()
                .starts_with("whdl_test_")
        );
        assert_eq!(attempts[0]["uri"], receiver.uri.as_str());
        assert_eq!(attempts[0]["status"], 200);
        assert_eq!(attempts[0]["error"], Value::Null);
        assert_eq!(attempts[0]["key"], body["key"]);
        keys.push(body["key"].as_str().unwrap().to_owned());
        if body["key"] == "charge.create" {
            assert_eq!(body["data"]["id"], charge.as_str());
        }
    }
    keys.sort();
    assert_eq!(keys, ["charge.create", "link.create"]);
    // Nothing more is sent once each event had its 2xx.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 2);
}

async fn failures_are_retried_then_given_up() {
    let app = TestApp::spawn_with(|config| {
        config.webhooks.webhook_retry_base = Duration::from_millis(50);
        config.webhooks.webhook_max_attempts = 3;
        config.webhooks.webhook_timeout = Duration::from_secs(2);
        config.webhooks.webhook_poll_interval = Duration::from_millis(20);
    })
    .await;
    // A 500, a dropped connection, then a 200.
    let receiver =
        Receiver::start(vec![Answer::Status(500), Answer::Hang, Answer::Status(200)]).await;
    set_webhook(&app, &receiver.uri).await;
    let link = app.thb_link(true).await;
    receiver.wait_for(3, Duration::from_secs(10)).await;
    let id = receiver.received()[0].json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let deliveries = wait_for_attempts(&app, &id, 3).await;
    assert_eq!(deliveries[0]["status"], 500);
    assert_eq!(deliveries[0]["error"], "the receiver answered 500");
    assert_eq!(deliveries[1]["status"], Value::Null);
    assert!(deliveries[1]["error"].as_str().unwrap().len() > 3);
    assert_eq!(deliveries[2]["status"], 200);
    assert_eq!(deliveries[2]["error"], Value::Null);
    // Each retry's body lists the attempts before it.
    let bodies = receiver.received();
    assert_eq!(
        bodies[2].json()["webhook_deliveries"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A receiver that always fails: three attempts, then no more.
    let failing = Receiver::start(vec![Answer::Status(503)]).await;
    set_webhook(&app, &failing.uri).await;
    let token = app.token("4242424242424242").await;
    assert_eq!(app.pay(&link, &token).await.status().as_u16(), 303);
    failing.wait_for(3, Duration::from_secs(10)).await;
    let id = failing.received()[0].json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        failing.received().len(),
        3,
        "given up after the last attempt"
    );
    let deliveries = wait_for_attempts(&app, &id, 3).await;
    assert!(deliveries.iter().all(|d| d["status"] == 503));
}

/// The event's attempts once there are `n`.
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

async fn a_rolled_secret_signs_alongside_the_new_one_for_a_day() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(vec![Answer::Status(200)]).await;
    let old = set_webhook(&app, &receiver.uri).await;
    let day = 24 * 3600 * 1_000_000;
    let rolled = app
        .store
        .change_settings(
            &app.keys.account_id,
            Mode::Test,
            &SettingsChange {
                roll_secret: Some((
                    paylink::domain::event::new_webhook_secret(),
                    paylink::domain::list::now() + day,
                )),
                ..SettingsChange::default()
            },
            "unused",
        )
        .await
        .unwrap()
        .unwrap();
    assert_ne!(rolled.webhook_secret, old);
    app.thb_link(true).await;
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got[0].headers["omise-signature"].split(',').count(), 2);
    assert!(signed_with(&got[0], &rolled.webhook_secret));
    assert!(signed_with(&got[0], &old));
    // Once the day is over, only the new secret signs.
    app.execute_sql("UPDATE account_settings SET previous_secret_until = 1")
        .await;
    app.thb_link(true).await;
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got[1].headers["omise-signature"].split(',').count(), 1);
    assert!(signed_with(&got[1], &rolled.webhook_secret));
    assert!(!signed_with(&got[1], &old));
}

async fn delivery_turned_off_sends_nothing() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(vec![Answer::Status(200)]).await;
    set_webhook(&app, &receiver.uri).await;
    let off = send(
        app.request(Method::PATCH, "/account", app.sk())
            .form(&[("webhook_uri", "")]),
    )
    .await;
    off.assert_ok();
    app.thb_link(true).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(receiver.received().is_empty());
}

db_tests!(
    deliveries_are_signed_and_equal_the_event,
    failures_are_retried_then_given_up,
    a_rolled_secret_signs_alongside_the_new_one_for_a_day,
    delivery_turned_off_sends_nothing,
);

/// The receiver is down, payments are made, paylink is killed; the receiver
/// comes up, paylink restarts: every event arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_is_lost_to_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("crash.db").display());
    crash_and_restart(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    paylink_no_postgres,
    ignore = "needs PostgreSQL: set PAYLINK_TEST_POSTGRES_URL"
)]
async fn no_event_is_lost_to_a_crash_on_postgres() {
    let Some(admin) = postgres_url() else { return };
    let db = PgDatabase::create(&admin).await;
    crash_and_restart(&db.url).await;
}

async fn crash_and_restart(db: &str) {
    let keys = new_account(db);
    let account = keys["account_id"].as_str().unwrap();
    let (sk, pk) = (
        keys["secret_key_test"].as_str().unwrap(),
        keys["public_key_test"].as_str().unwrap(),
    );
    // A port with nobody listening yet.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = reserved.local_addr().unwrap().port();
    drop(reserved);
    let uri = format!("http://127.0.0.1:{port}/hooks");
    let (ok, _, stderr) = run(&[
        "account",
        "webhook",
        account,
        "--mode",
        "test",
        "--uri",
        &uri,
        "--database",
        db,
    ]);
    assert!(ok, "{stderr}");
    let (ok, secret, stderr) = run(&[
        "account",
        "webhook-secret",
        account,
        "--mode",
        "test",
        "--database",
        db,
    ]);
    assert!(ok, "{stderr}");
    let flags = [
        "--webhook-retry-base",
        "100ms",
        "--webhook-poll-interval",
        "50ms",
    ];
    let mut server = serve_with(db, &flags);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let link: Value = client
        .post(format!("{}/links", server.addr))
        .basic_auth(sk, Some(""))
        .json(&json!({"amount": 100000, "currency": "THB", "title": "T", "description": "", "multiple": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for _ in 0..5 {
        let token: Value = client
            .post(format!("{}/tokens", server.addr))
            .basic_auth(pk, Some(""))
            .json(&json!({"card": card_fields("4242424242424242")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let paid = client
            .post(link["payment_uri"].as_str().unwrap())
            .form(&[("token", token["id"].as_str().unwrap())])
            .send()
            .await
            .unwrap();
        assert_eq!(paid.status().as_u16(), 303);
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let receiver = Receiver::start_on(listener, vec![Answer::Status(200)]);
    let _restarted = serve_with(db, &flags);
    // Within the lease a killed attempt may hold, and the longest wait of
    // the schedule so far.
    let got = receiver.wait_for(6, Duration::from_secs(40)).await;
    let mut ids: Vec<String> = got
        .iter()
        .map(|r| {
            assert!(signed_with(r, secret.trim()));
            r.json()["id"].as_str().unwrap().to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "one link.create and five charge.create");
}

/// Two processes on one PostgreSQL database share the outbox: 500 events,
/// each delivered exactly once while both live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    paylink_no_postgres,
    ignore = "needs PostgreSQL: set PAYLINK_TEST_POSTGRES_URL"
)]
async fn two_processes_deliver_each_event_once() {
    let Some(admin) = postgres_url() else { return };
    let db = PgDatabase::create(&admin).await;
    let keys = new_account(&db.url);
    let account = keys["account_id"].as_str().unwrap();
    let sk = keys["secret_key_test"].as_str().unwrap().to_owned();
    let receiver = Receiver::start(vec![Answer::Status(200)]).await;
    let (ok, _, stderr) = run(&[
        "account",
        "webhook",
        account,
        "--mode",
        "test",
        "--uri",
        &receiver.uri,
        "--database",
        &db.url,
    ]);
    assert!(ok, "{stderr}");
    let flags = ["--webhook-poll-interval", "20ms"];
    let (a, b) = (serve_with(&db.url, &flags), serve_with(&db.url, &flags));
    let client = reqwest::Client::new();
    let mut made = tokio::task::JoinSet::new();
    for i in 0..500 {
        let addr = if i % 2 == 0 {
            a.addr.clone()
        } else {
            b.addr.clone()
        };
        let (client, sk) = (client.clone(), sk.clone());
        made.spawn(async move {
            client
                .post(format!("{addr}/links"))
                .basic_auth(sk, Some(""))
                .json(
                    &json!({"amount": 100000, "currency": "THB", "title": "T", "description": ""}),
                )
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
        if made.len() >= 16 {
            assert_eq!(made.join_next().await.unwrap().unwrap(), 200);
        }
    }
    for status in made.join_all().await {
        assert_eq!(status, 200);
    }
    let got = receiver.wait_for(500, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_after = receiver.received();
    let mut ids: Vec<String> = got_after
        .iter()
        .map(|r| r.json()["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let total = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), 500);
    assert_eq!(
        total,
        500,
        "no event delivered twice ({} before settling)",
        got.len()
    );
    drop((a, b));
}
