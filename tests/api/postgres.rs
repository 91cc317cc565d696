//! Many processes on one PostgreSQL, outages, and the two schemas.

use crate::cli::{new_account, run, serve, status};
use crate::helpers::{PgDatabase, TestApp, card_fields, postgres_url, send};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinSet;

#[test]
fn both_databases_have_the_same_migrations() {
    let names = |db: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!("migrations/{db}"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    paylink_no_postgres,
    ignore = "needs PostgreSQL: set PAYLINK_TEST_POSTGRES_URL"
)]
async fn two_processes_sell_a_single_use_link_exactly_once() {
    let Some(admin) = postgres_url() else { return };
    let db = PgDatabase::create(&admin).await;
    let keys = new_account(&db.url);
    let (sk, pk) = (
        keys["secret_key_test"].as_str().unwrap(),
        keys["public_key_test"].as_str().unwrap(),
    );
    let (a, b) = (serve(&db.url), serve(&db.url));
    assert!(!a.printed.contains("Created an account") && !b.printed.contains("Created an account"));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let link: Value = client
        .post(format!("{}/links", a.addr))
        .basic_auth(sk, Some(""))
        .json(&json!({"amount": 100000, "currency": "THB", "title": "One", "description": ""}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = link["payment_uri"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let mut tokens = vec![];
    for i in 0..64 {
        let addr = if i % 2 == 0 { &a.addr } else { &b.addr };
        let token: Value = client
            .post(format!("{addr}/tokens"))
            .basic_auth(pk, Some(""))
            .json(&json!({"card": card_fields("4242424242424242")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(token["id"].as_str().unwrap().to_owned());
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(tokens.len()));
    let mut payers = JoinSet::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let url = format!("{}/pay/{code}", if i % 2 == 0 { &a.addr } else { &b.addr });
        let (client, barrier) = (client.clone(), barrier.clone());
        payers.spawn(async move {
            barrier.wait().await;
            client
                .post(url)
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let statuses: Vec<u16> = payers.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        63,
        "{statuses:?}"
    );
    // Both processes tell the same story.
    let id = link["id"].as_str().unwrap();
    let mut views = vec![];
    for addr in [&a.addr, &b.addr] {
        let reply = send(
            client
                .get(format!(
                    "{addr}/links/{id}/charges?order=reverse_chronological"
                ))
                .basic_auth(sk, Some("")),
        )
        .await;
        let body = reply.assert_ok().clone();
        assert_eq!(body["total"], 1);
        assert_eq!(body["data"][0]["status"], "successful");
        let link = send(
            client
                .get(format!("{addr}/links/{id}"))
                .basic_auth(sk, Some("")),
        )
        .await;
        assert_eq!(link.body["used"], true);
        views.push(body["data"].clone());
    }
    assert_eq!(views[0], views[1]);

    // A key roll on one database takes effect in every process at once.
    let account = keys["account_id"].as_str().unwrap();
    let (ok, stdout, stderr) = run(&[
        "account",
        "roll-keys",
        account,
        "--database",
        &db.url,
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let rolled: Value = serde_json::from_str(stdout.trim()).unwrap();
    for addr in [&a.addr, &b.addr] {
        let url = format!("{addr}/links");
        assert_eq!(status(&url, sk), 401);
        assert_eq!(
            status(&url, rolled["secret_key_test"].as_str().unwrap()),
            200
        );
    }
}

/// Two processes, 32 payers with a 3-D Secure card on one single-use link:
/// one payment goes to the bank, the rest are told one is in progress;
/// authenticated through the other process, it is the one success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    paylink_no_postgres,
    ignore = "needs PostgreSQL: set PAYLINK_TEST_POSTGRES_URL"
)]
async fn two_processes_take_one_3ds_payment_in_flight() {
    let Some(admin) = postgres_url() else { return };
    let db = PgDatabase::create(&admin).await;
    let keys = new_account(&db.url);
    let (sk, pk) = (
        keys["secret_key_test"].as_str().unwrap(),
        keys["public_key_test"].as_str().unwrap(),
    );
    let (a, b) = (serve(&db.url), serve(&db.url));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let link: Value = client
        .post(format!("{}/links", a.addr))
        .basic_auth(sk, Some(""))
        .json(&json!({"amount": 100000, "currency": "THB", "title": "One", "description": ""}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = link["payment_uri"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let mut tokens = vec![];
    for _ in 0..32 {
        let token: Value = client
            .post(format!("{}/tokens", a.addr))
            .basic_auth(pk, Some(""))
            .json(&json!({"card": card_fields("4000000000003220")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(token["id"].as_str().unwrap().to_owned());
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(tokens.len()));
    let mut payers = JoinSet::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let url = format!("{}/pay/{code}", if i % 2 == 0 { &a.addr } else { &b.addr });
        let (client, barrier) = (client.clone(), barrier.clone());
        payers.spawn(async move {
            barrier.wait().await;
            let response = client
                .post(url)
                .form(&[("token", token)])
                .send()
                .await
                .unwrap();
            let location = response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (response.status().as_u16(), location)
        });
    }
    let outcomes: Vec<(u16, Option<String>)> = payers.join_all().await;
    let won: Vec<&String> = outcomes
        .iter()
        .filter(|(s, _)| *s == 303)
        .filter_map(|(_, l)| l.as_ref())
        .collect();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|(s, _)| *s == 409).count(),
        31,
        "{outcomes:?}"
    );
    let charge = won[0].strip_prefix("/authorize/").unwrap();
    let answered = client
        .post(format!("{}/authorize/{charge}", b.addr))
        .form(&[("action", "authenticate")])
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status().as_u16(), 303);
    let id = link["id"].as_str().unwrap();
    for addr in [&a.addr, &b.addr] {
        let charges = send(
            client
                .get(format!("{addr}/links/{id}/charges"))
                .basic_auth(sk, Some("")),
        )
        .await;
        let charges = charges.assert_ok();
        assert_eq!(charges["total"], 1);
        assert_eq!(charges["data"][0]["status"], "successful");
    }
}

/// A TCP proxy of the test's own between paylink and PostgreSQL, which can
/// cut every connection and refuse new ones until restored.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<JoinSet<()>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(Mutex::new(JoinSet::new()));
        let accept = tokio::spawn({
            let (up, connections) = (up.clone(), connections.clone());
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        drop(inbound);
                        continue;
                    }
                    let upstream = upstream.clone();
                    connections.lock().await.spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                }
            }
        });
        Proxy {
            addr,
            up,
            connections,
            accept,
        }
    }

    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.connections.lock().await.abort_all();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn wait_for(app: &TestApp, path: &str, status: StatusCode) -> Duration {
    let started = Instant::now();
    loop {
        let reply = send(app.request(Method::GET, path, app.sk())).await;
        if reply.status == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{path} never answered {status}: {}",
            reply.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    paylink_no_postgres,
    ignore = "needs PostgreSQL: set PAYLINK_TEST_POSTGRES_URL"
)]
async fn a_database_outage_answers_503_and_recovers_by_itself() {
    let Some(admin) = postgres_url() else { return };
    let db = PgDatabase::create(&admin).await;
    let host_port = admin
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let proxy = Proxy::start(host_port.clone()).await;
    let through_proxy = db.url.replacen(&host_port, &proxy.addr.to_string(), 1);
    let app = TestApp::spawn_on(&through_proxy, |c| c.database.acquire_timeout_ms = 1000).await;
    let link = app.thb_link(true).await;
    let id = link["id"].as_str().unwrap().to_owned();
    app.pay_ok(&link, "4242424242424242").await;
    // Several connections open and idle in the pool when the cut comes.
    let path = format!("/links/{id}/charges");
    let warm = tokio::join!(
        app.get(&path),
        app.get(&path),
        app.get(&path),
        app.get(&path),
        app.get(&path),
        app.get(&path),
    );
    for reply in [warm.0, warm.1, warm.2, warm.3, warm.4, warm.5] {
        reply.assert_ok();
    }

    proxy.cut().await;
    let reply = app.get(&format!("/links/{id}")).await;
    reply.assert_error(503, "service_unavailable");
    let health = send(app.client.get(app.url("/healthz"))).await;
    health.assert_error(503, "service_unavailable");
    let create = send(app.request(Method::POST, "/links", app.sk()).json(&json!({
        "amount": 5000, "currency": "THB", "title": "During", "description": "",
    })))
    .await;
    create.assert_error(503, "service_unavailable");
    let token_page = app
        .client
        .post(link["payment_uri"].as_str().unwrap())
        .form(
            &card_fields("4242424242424242")
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string().trim_matches('"').to_owned()))
                .collect::<Vec<_>>(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(token_page.status(), 503, "the payment page says so too");

    proxy.restore();
    wait_for(&app, "/healthz", StatusCode::OK).await;
    // No connection broken by the cut is handed out again.
    for _ in 0..16 {
        app.get(&format!("/links/{id}")).await.assert_ok();
    }
    let reply = app.get(&format!("/links/{id}")).await;
    let body = reply.assert_ok();
    assert_eq!(body["charges"]["total"], 1, "nothing acknowledged was lost");
    assert_eq!(
        app.get("/links").await.body["total"],
        1,
        "nothing refused was stored"
    );
    app.pay_ok(&link, "4242424242424242").await;
    assert_eq!(
        app.get(&format!("/links/{id}/charges")).await.body["total"],
        2
    );
}

/// A payment that took its token, then found its single-use link claimed
/// by another payer who held the account's charge counter meanwhile, is
/// refused as the link's (409), and nothing of it stays: the token is
/// unused and pays elsewhere, and no charge number or event was spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    paylink_no_postgres,
    ignore = "needs PostgreSQL: set PAYLINK_TEST_POSTGRES_URL"
)]
async fn a_link_claimed_while_paying_leaves_the_token_unused() {
    use sqlx::Connection;
    let Some(admin) = postgres_url() else { return };
    let db = PgDatabase::create(&admin).await;
    let app = TestApp::spawn_on(&db.url, |_| {}).await;
    let link = app.thb_link(false).await;
    let id = link["id"].as_str().unwrap().to_owned();
    let token = app.token("4242424242424242").await;
    let watch = sqlx::PgPool::connect(&db.url).await.unwrap();

    // Another payer, behind the server's back: it holds the account's
    // charge counter and has claimed the link, not yet committed.
    let mut other = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut tx = other.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM charge_counters WHERE account_id = $1 AND NOT livemode FOR UPDATE")
        .bind(&app.keys.account_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE links SET used_at = 1 WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await
        .unwrap();
    let pay = {
        let (client, uri, token) = (
            app.client.clone(),
            link["payment_uri"].as_str().unwrap().to_owned(),
            token.clone(),
        );
        tokio::spawn(async move {
            let response = client.post(uri).form(&[("token", token)]).send().await;
            response.unwrap().status()
        })
    };
    // The payment has claimed the token and waits for the counter.
    let started = Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock' \
               AND query LIKE '%paylink_pay%'",
        )
        .fetch_one(&watch)
        .await
        .unwrap();
        if waiting == 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the payment never waited for the counter"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tx.commit().await.unwrap();
    other.close().await.unwrap();
    assert_eq!(pay.await.unwrap(), StatusCode::CONFLICT);

    let used: bool = sqlx::query_scalar("SELECT used FROM tokens WHERE id = $1")
        .bind(&token)
        .fetch_one(&watch)
        .await
        .unwrap();
    assert!(!used, "the token's claim was rolled back");
    let (charges, events, last_seq): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM charges), \
           (SELECT COUNT(*) FROM events WHERE key = 'charge.create'), \
           (SELECT last_seq FROM charge_counters WHERE account_id = $1 AND NOT livemode)",
    )
    .bind(&app.keys.account_id)
    .fetch_one(&watch)
    .await
    .unwrap();
    assert_eq!((charges, events, last_seq), (0, 0, 0));

    // The token pays another link, and takes the first charge number.
    let elsewhere = app.thb_link(true).await;
    assert_eq!(
        app.pay(&elsewhere, &token).await.status(),
        StatusCode::SEE_OTHER
    );
    let seq: i64 = sqlx::query_scalar("SELECT account_seq FROM charges WHERE token_id = $1")
        .bind(&token)
        .fetch_one(&watch)
        .await
        .unwrap();
    assert_eq!(seq, 1);
    watch.close().await;
}
