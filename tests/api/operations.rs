//! paylink's own routes: the OpenAPI document, the metrics an operator
//! scrapes, and the test-mode reset.

use crate::helpers::{TestApp, db_tests, send};
use paylink::accounts::create_account;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// The value of the sample of `name` whose labels include all of `labels`,
/// summed over the samples that match (0 when none does).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    let mut total = 0.0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("a sample line");
        let (metric, found) = match series.split_once('{') {
            Some((metric, rest)) => (metric, parse_labels(rest.trim_end_matches('}'))),
            None => (series, BTreeMap::new()),
        };
        if metric == name
            && labels
                .iter()
                .all(|(k, v)| found.get(*k).map(String::as_str) == Some(*v))
        {
            total += value.parse::<f64>().expect("a number");
        }
    }
    total
}

fn parse_labels(text: &str) -> BTreeMap<String, String> {
    text.split("\",")
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once("=\"").expect("label=\"value\"");
            (k.to_owned(), v.trim_end_matches('"').to_owned())
        })
        .collect()
}

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.unwrap()
}

async fn metrics_count_requests_payments_and_webhooks() {
    let app = TestApp::spawn().await;
    // Every attempt fails at once: nothing listens on port 1.
    send(
        app.request(Method::PATCH, "/account", app.sk())
            .form(&[("webhook_uri", "http://127.0.0.1:1/hooks")]),
    )
    .await
    .assert_ok();
    let single = app.thb_link(false).await;
    for _ in 0..3 {
        app.get("/links").await.assert_ok();
    }
    let id = single["id"].as_str().unwrap();
    app.get(&format!("/links/{id}")).await.assert_ok();
    let missing = app.get("/links/link_test_5xuy4w91xqz7d1w9u0t").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let unknown = app.get("/no/such/route").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let multiple = app.thb_link(true).await;
    let declined = app.token("4111111111140011").await;
    assert_eq!(app.pay(&multiple, &declined).await.status(), 303);
    app.pay_ok(&single, "4242424242424242").await;
    let again = app.token("4242424242424242").await;
    assert_eq!(app.pay(&single, &again).await.status(), 409);

    let text = scrape(&app).await;
    let requests = |route, status| {
        sample(
            &text,
            "paylink_http_requests_total",
            &[("route", route), ("method", "GET"), ("status", status)],
        )
    };
    assert_eq!(requests("/links", "200"), 3.0, "{text}");
    assert_eq!(requests("/links/{id}", "200"), 1.0, "{text}");
    assert_eq!(requests("/links/{id}", "404"), 1.0, "{text}");
    assert_eq!(requests("unmatched", "404"), 1.0, "{text}");
    assert_eq!(
        sample(
            &text,
            "paylink_http_request_duration_seconds_count",
            &[("route", "/links"), ("method", "GET")]
        ),
        3.0
    );
    let payments = |outcome| sample(&text, "paylink_payments_total", &[("outcome", outcome)]);
    assert_eq!(payments("successful"), 1.0, "{text}");
    assert_eq!(payments("insufficient_fund"), 1.0, "{text}");
    assert_eq!(payments("refused"), 1.0, "{text}");
    assert_eq!(sample(&text, "paylink_database_errors_total", &[]), 0.0);
    assert!(
        text.contains("paylink_database_connections{state=\"in_use\"}"),
        "{text}"
    );

    // Two links and two charges made four events, each attempted and failed.
    let mut failed = 0.0;
    for _ in 0..100 {
        let text = scrape(&app).await;
        failed = sample(
            &text,
            "paylink_webhook_deliveries_total",
            &[("outcome", "failed")],
        );
        if failed >= 4.0 {
            // Retries wait far longer than this test: all four still wait.
            assert_eq!(sample(&text, "paylink_webhooks_waiting", &[]), 4.0);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(failed, 4.0);
}

async fn counts(app: &TestApp, key: &str) -> Vec<u64> {
    let mut counts = vec![];
    for path in ["/links", "/charges", "/events", "/refunds"] {
        let reply = send(app.request(Method::GET, path, key)).await;
        counts.push(reply.assert_ok()["total"].as_u64().unwrap());
    }
    counts
}

async fn reset_empties_only_this_accounts_test_mode() {
    let app = TestApp::spawn_with(|c| c.live_payments = true).await;
    let other = create_account(app.store.as_ref()).await.unwrap();
    let live = app.keys.secret_key_live.clone();

    let link = app.thb_link(true).await;
    let charge = app.pay_ok(&link, "4242424242424242").await;
    app.pay_ok(&link, "4242424242424242").await;
    send(
        app.request(
            Method::POST,
            &format!("/charges/{charge}/refunds"),
            app.sk(),
        )
        .json(&json!({"amount": 1000})),
    )
    .await
    .assert_ok();
    app.token("4242424242424242").await; // unused
    let live_link = app
        .create_link_with(
            &live,
            json!({"amount": 5000, "currency": "THB", "title": "Live", "description": "kept"}),
        )
        .await;
    app.create_link_with(
        &other.secret_key_test,
        json!({"amount": 5000, "currency": "THB", "title": "Other", "description": "kept"}),
    )
    .await;
    let live_before = counts(&app, &live).await;
    let other_before = counts(&app, &other.secret_key_test).await;
    assert_eq!(counts(&app, app.sk()).await, vec![1, 2, 4, 1]);

    let forbidden = send(app.request(Method::POST, "/_paylink/reset", &live)).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.text
    );
    assert_eq!(forbidden.body["object"], "error");
    assert_eq!(forbidden.body["code"], "forbidden");
    assert_eq!(
        forbidden.body["location"],
        "https://www.omise.co/api-errors#forbidden"
    );
    for key in [app.pk(), "skey_test_nosuchkey00000000000", ""] {
        let refused = send(app.request(Method::POST, "/_paylink/reset", key)).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{key}");
        assert_eq!(refused.body["code"], "authentication_failure");
    }
    assert_eq!(counts(&app, app.sk()).await, vec![1, 2, 4, 1]);

    let reset = send(
        app.request(Method::POST, "/_paylink/reset", app.sk())
            .json(&json!({})),
    )
    .await;
    assert_eq!(
        reset.assert_ok(),
        &json!({"object": "reset", "livemode": false,
                "deleted": {"links": 1, "charges": 2, "tokens": 3, "events": 4, "refunds": 1}})
    );
    assert_eq!(counts(&app, app.sk()).await, vec![0, 0, 0, 0]);
    let gone = app.get(&format!("/charges/{charge}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let page = app
        .client
        .get(link["payment_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let found = app.get("/search?scope=link&query=Order-384").await;
    assert_eq!(found.assert_ok()["total"], 0);

    // Live mode and the other account are as they were.
    assert_eq!(counts(&app, &live).await, live_before);
    assert_eq!(counts(&app, &other.secret_key_test).await, other_before);
    let kept = send(app.request(
        Method::GET,
        &format!("/links/{}", live_link["id"].as_str().unwrap()),
        &live,
    ))
    .await;
    assert_eq!(kept.assert_ok()["title"], "Live");

    // The test mode works as new: sequences restarted, nothing clashes.
    let fresh = app.thb_link(true).await;
    app.pay_ok(&fresh, "4242424242424242").await;
    assert_eq!(counts(&app, app.sk()).await, vec![1, 1, 2, 0]);
    let again = send(app.request(Method::POST, "/_paylink/reset", app.sk())).await;
    assert_eq!(
        again.assert_ok()["deleted"],
        json!({"links": 1, "charges": 1, "tokens": 1, "events": 2, "refunds": 0})
    );
}

/// Reads of one link stay cached while another link is paid: a payment
/// drops only its own link's answers, and an answer read while payments
/// commit is kept. The read cache's metric counts it.
async fn a_link_read_while_another_is_paid_is_served_from_the_cache() {
    let app = TestApp::spawn().await;
    let read = app.thb_link(true).await;
    app.pay_ok(&read, "4242424242424242").await;
    let paid = app.thb_link(true).await;
    let path = format!("/links/{}", read["id"].as_str().unwrap());
    let first = app.get(&path).await;
    let expected = first.assert_ok();
    let cache =
        |text: &str, outcome| sample(text, "paylink_read_cache_total", &[("outcome", outcome)]);
    let text = scrape(&app).await;
    let (hits_before, misses_before) = (cache(&text, "hit"), cache(&text, "miss"));
    let started = std::time::Instant::now();
    let paying = std::sync::atomic::AtomicBool::new(true);
    let payers = async {
        for _ in 0..30 {
            app.pay_ok(&paid, "4242424242424242").await;
        }
        paying.store(false, std::sync::atomic::Ordering::SeqCst);
    };
    let readers = async {
        let mut reads = 0.0;
        while paying.load(std::sync::atomic::Ordering::SeqCst) || reads < 50.0 {
            let (a, b) = tokio::join!(app.get(&path), app.get(&path));
            for reply in [a, b] {
                let link = reply.assert_ok().clone();
                assert_eq!(link["charges"]["total"], 1, "{link}");
                // Ids and states: a nested list's `to` moves with the second.
                for field in ["id", "status", "refunded_amount"] {
                    assert_eq!(
                        link["charges"]["data"][0][field],
                        expected["charges"]["data"][0][field]
                    );
                }
            }
            reads += 2.0;
        }
        reads
    };
    let ((), reads) = tokio::join!(payers, readers);
    let seconds = started.elapsed().as_secs_f64().ceil();
    let text = scrape(&app).await;
    let (hits, misses) = (
        cache(&text, "hit") - hits_before,
        cache(&text, "miss") - misses_before,
    );
    assert_eq!(hits + misses, reads, "{text}");
    // The answer embeds a list that ends at the request's second, so each
    // second is read once (by each of the two readers at worst); a commit
    // caught between its end and its log entry makes a miss too, rarely.
    assert!(
        misses <= 2.0 * (seconds + 1.0) + reads / 10.0,
        "{hits} hits and {misses} misses in {reads} reads over {seconds} s, while 30 payments were made"
    );
}

db_tests!(
    a_link_read_while_another_is_paid_is_served_from_the_cache,
    metrics_count_requests_payments_and_webhooks,
    reset_empties_only_this_accounts_test_mode,
);

#[tokio::test]
async fn the_openapi_document_is_served_without_a_key() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    for path in [
        "/links",
        "/links/",
        "/links/{id}",
        "/search/",
        "/_paylink/reset",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} documented");
    }
}
