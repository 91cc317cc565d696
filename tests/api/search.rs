//! `GET /search` over HTTP, as each official client sends it.

use crate::helpers::{TestApp, db_tests, send};
use paylink::accounts::create_account;
use reqwest::Method;
use serde_json::{Value, json};

/// Links and charges to find: titles with Thai and Latin text, amounts in
/// two currencies, used and unused, failed and paid.
async fn seeded() -> (TestApp, Vec<Value>, Vec<String>) {
    let app = TestApp::spawn().await;
    let mut links = vec![];
    for (title, amount, currency, multiple) in [
        ("Blue Mountain coffee", 100000, "THB", false),
        ("กาแฟดอยช้าง", 250000, "THB", true),
        ("Green tea", 2000, "THB", true),
        ("Matcha", 1000, "JPY", true),
    ] {
        links.push(
            app.create_link(json!({
                "amount": amount, "currency": currency, "title": title,
                "description": format!("Order of {title}"), "multiple": multiple,
            }))
            .await,
        );
    }
    let mut charges = vec![];
    charges.push(app.pay_ok(&links[0], "4242424242424242").await);
    charges.push(app.pay_ok(&links[1], "4111111111140011").await);
    charges.push(app.pay_ok(&links[1], "4242424242424242").await);
    charges.push(app.pay_ok(&links[3], "4242424242424242").await);
    (app, links, charges)
}

async fn search(app: &TestApp, query: &str) -> Value {
    let reply = app.get(&format!("/search?{query}")).await;
    reply.assert_ok().clone()
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

/// An object without the `to` of the lists it embeds, which end at the
/// request's second and so may differ between two reads a second apart.
fn timeless(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        if object.get("object").and_then(Value::as_str) == Some("list") {
            object.remove("to");
        }
        for inner in object.values_mut() {
            *inner = timeless(inner.take());
        }
    } else if let Some(items) = value.as_array_mut() {
        for item in items {
            *item = timeless(item.take());
        }
    }
    value
}

async fn queries_and_filters_find_links() {
    let (app, links, _) = seeded().await;
    let id = |i: usize| links[i]["id"].as_str().unwrap().to_owned();
    let body = search(&app, "scope=link").await;
    assert_eq!(body["object"], "search");
    assert_eq!(body["scope"], "link");
    assert_eq!(body["location"], "/search");
    assert_eq!(body["total"], 4);
    assert_eq!(body["total_pages"], 1);
    assert_eq!(body["per_page"], 30);
    assert_eq!(body["page"], 1);
    assert_eq!(body["export"], Value::Null);
    assert_eq!(body["aggregate_level"], Value::Null);
    assert_eq!(
        timeless(body["data"][0].clone()),
        timeless(app.get(&format!("/links/{}", id(0))).await.body)
    );
    // Case-insensitive substrings, Thai included; short queries (กา) too.
    assert_eq!(
        ids(&search(&app, "scope=link&query=MOUNTAIN").await),
        [id(0)]
    );
    assert_eq!(ids(&search(&app, "scope=link&query=ดอยช้าง").await), [id(1)]);
    assert_eq!(
        ids(&search(&app, "scope=link&query=%E0%B8%81%E0%B8%B2").await),
        [id(1)]
    );
    assert_eq!(
        ids(&search(&app, "scope=link&query=Order%20of").await).len(),
        4
    );
    assert_eq!(
        ids(&search(&app, &format!("scope=link&query={}", &id(3)[10..])).await),
        [id(3)]
    );
    assert_eq!(
        search(&app, "scope=link&query=nothing-like-it").await["total"],
        0
    );
    // Filters alone and with a query; amounts in the main unit.
    assert_eq!(
        ids(&search(&app, "scope=link&filters[amount]=1000").await),
        [id(0), id(3)]
    );
    assert_eq!(
        ids(&search(
            &app,
            "scope=link&filters[amount]=1000&filters[currency]=jpy"
        )
        .await),
        [id(3)]
    );
    assert_eq!(
        ids(&search(&app, "scope=link&filters[amount]=20..1500").await).len(),
        3
    );
    assert_eq!(
        ids(&search(&app, "scope=link&filters[amount]=..20").await),
        [id(2)]
    );
    assert_eq!(
        ids(&search(&app, "scope=link&filters[amount]=2500..").await),
        [id(1)]
    );
    for spelling in ["true", "yes", "on", "1", "TRUE"] {
        let found = search(&app, &format!("scope=link&filters[used]={spelling}")).await;
        assert_eq!(ids(&found), [id(0)], "{spelling}");
    }
    for spelling in ["false", "no", "off", "0"] {
        let found = search(&app, &format!("scope=link&filters[multiple]={spelling}")).await;
        assert_eq!(ids(&found), [id(0)], "{spelling}");
    }
    let both = search(
        &app,
        "scope=link&query=order&filters[multiple]=true&filters[amount]=..1000",
    )
    .await;
    assert_eq!(ids(&both), [id(2), id(3)]);
    assert_eq!(
        both["filters"],
        json!({"amount": "..1000", "multiple": "true"})
    );
    let today = &links[0]["created_at"].as_str().unwrap()[..10];
    assert_eq!(
        search(&app, &format!("scope=link&filters[created]={today}")).await["total"],
        4
    );
    assert_eq!(
        search(&app, "scope=link&filters[created]=2001-01-01..2001-12-31").await["total"],
        0
    );
    assert_eq!(
        search(&app, &format!("scope=link&filters[used_at]={today}..")).await["total"],
        1
    );
    // Order and pages.
    let reverse = search(&app, "scope=link&order=reverse_chronological").await;
    assert_eq!(ids(&reverse), [id(3), id(2), id(1), id(0)]);
    let page = search(&app, "scope=link&per_page=3&page=2").await;
    assert_eq!(
        (ids(&page), page["total_pages"].clone()),
        (vec![id(3)], json!(2))
    );
    assert_eq!(
        search(&app, "scope=link&per_page=3&page=9").await["data"],
        json!([])
    );
}

async fn filters_find_charges() {
    let (app, links, charges) = seeded().await;
    let body = search(&app, "scope=charge").await;
    assert_eq!(ids(&body), charges);
    assert_eq!(
        timeless(body["data"][0].clone()),
        timeless(app.get(&format!("/charges/{}", charges[0])).await.body)
    );
    assert_eq!(
        ids(&search(&app, "scope=charge&filters[status]=failed").await),
        [charges[1].clone()]
    );
    assert_eq!(
        ids(&search(&app, "scope=charge&filters[paid]=false").await),
        [charges[1].clone()]
    );
    assert_eq!(
        ids(&search(&app, "scope=charge&filters[captured]=yes").await).len(),
        3
    );
    assert_eq!(
        ids(&search(&app, "scope=charge&filters[authorized]=1").await).len(),
        3
    );
    assert_eq!(
        ids(&search(&app, "scope=charge&filters[failure_code]=insufficient_fund").await),
        [charges[1].clone()]
    );
    let link1 = links[1]["id"].as_str().unwrap();
    assert_eq!(
        ids(&search(&app, &format!("scope=charge&filters[link]={link1}")).await).len(),
        2
    );
    assert_eq!(
        ids(&search(&app, "scope=charge&filters[card_last_digits]=0011").await),
        [charges[1].clone()]
    );
    assert_eq!(
        ids(&search(&app, "scope=charge&filters[amount]=2500").await).len(),
        2
    );
    // The query finds a charge by its link, card name, failure code, id.
    assert_eq!(
        ids(&search(&app, &format!("scope=charge&query={link1}")).await).len(),
        2
    );
    assert_eq!(
        ids(&search(&app, "scope=charge&query=insufficient").await),
        [charges[1].clone()]
    );
    assert_eq!(
        search(&app, "scope=charge&query=test%20cardholder").await["total"],
        4
    );
    assert_eq!(
        ids(&search(&app, &format!("scope=charge&query={}", charges[3])).await),
        [charges[3].clone()]
    );
    assert_eq!(
        ids(&search(
            &app,
            "scope=charge&query=%E0%B8%94%E0%B8%AD%E0%B8%A2&filters[status]=successful"
        )
        .await),
        [charges[2].clone()]
    );
    // Refunds, and the constant filters Omise has.
    let refunded = send(
        app.request(
            Method::POST,
            &format!("/charges/{}/refunds", charges[0]),
            app.sk(),
        )
        .json(&json!({"amount": 50000})),
    )
    .await;
    refunded.assert_ok();
    assert_eq!(
        ids(&search(&app, "scope=charge&filters[refunded]=true").await),
        [charges[0].clone()]
    );
    assert_eq!(
        ids(&search(&app, "scope=charge&filters[refund_amount]=500").await),
        [charges[0].clone()]
    );
    assert_eq!(
        search(&app, "scope=charge&filters[disputed]=false").await["total"],
        4
    );
    assert_eq!(
        search(&app, "scope=charge&filters[voided]=true").await["total"],
        0
    );
    assert_eq!(
        search(&app, "scope=charge&filters[source_of_fund]=card").await["total"],
        4
    );
}

async fn every_encoding_the_clients_send() {
    let (app, links, _) = seeded().await;
    let used = links[0]["id"].as_str().unwrap();
    // php: a trailing slash and a form-like query string, booleans as 1/0.
    let php = app.get("/search/?scope=link&filters%5Bused%5D=1").await;
    assert_eq!(ids(php.assert_ok()), [used]);
    // python: a hand-built, unencoded query string.
    let python = send(app.request(
        Method::GET,
        "/search?scope=link&filters[amount]=1000..2000&query=coffee",
        app.sk(),
    ))
    .await;
    assert_eq!(ids(python.assert_ok()), [used]);
    // python and go: a JSON body on GET, JSON booleans.
    let json_body = send(app.request(Method::GET, "/search", app.sk()).json(
        &json!({"scope": "link", "query": "coffee", "filters": {"used": true}, "per_page": 10}),
    ))
    .await;
    assert_eq!(ids(json_body.assert_ok()), [used]);
    assert_eq!(json_body.body["filters"], json!({"used": "true"}));
    // ruby: a form body.
    let ruby = send(
        app.request(Method::GET, "/search", app.sk())
            .form(&[("scope", "link"), ("filters[used]", "true")]),
    )
    .await;
    assert_eq!(ids(ruby.assert_ok()), [used]);
    // node: flat filter keys in the query string.
    let node = send(
        app.request(Method::GET, "/search", app.sk())
            .query(&[("scope", "link"), ("filters[used]", "true")]),
    )
    .await;
    assert_eq!(ids(node.assert_ok()), [used]);
}

async fn bad_searches_are_named() {
    let (app, _, _) = seeded().await;
    for (query, needle) in [
        ("", "scope is required"),
        ("scope=refund", "not supported"),
        ("scope=banana", "not a search scope"),
        ("scope=link&filters[status]=failed", "filters[status]"),
        ("scope=charge&filters[used]=true", "filters[used]"),
        ("scope=link&filters[used]=maybe", "filters[used]"),
        ("scope=link&filters[amount]=lots", "filters[amount]"),
        ("scope=link&filters[created]=yesterday", "filters[created]"),
        ("scope=link&page=0", "page"),
        ("scope=link&per_page=101", "per_page"),
        ("scope=link&per_page=0", "per_page"),
        ("scope=link&order=sideways", "order"),
    ] {
        let reply = app.get(&format!("/search?{query}")).await;
        reply.assert_error(400, "bad_request");
        assert!(
            reply.body["message"].as_str().unwrap().contains(needle),
            "{query}: {}",
            reply.text
        );
    }
    let public = send(app.request(Method::GET, "/search?scope=link", app.pk())).await;
    public.assert_error(401, "authentication_failure");
}

async fn searches_are_isolated_and_take_both_shapes() {
    let (app, _, _) = seeded().await;
    let other = create_account(app.store.as_ref()).await.unwrap();
    for key in [&other.secret_key_test, &app.keys.secret_key_live] {
        for scope in ["link", "charge"] {
            let reply = send(app.request(
                Method::GET,
                &format!("/search?scope={scope}&query=coffee"),
                key,
            ))
            .await;
            assert_eq!(reply.assert_ok()["total"], 0, "{scope}");
            let reply =
                send(app.request(Method::GET, &format!("/search?scope={scope}"), key)).await;
            assert_eq!(reply.assert_ok()["total"], 0, "{scope}");
        }
    }
    let legacy = send(
        app.request(Method::GET, "/search?scope=charge&per_page=1", app.sk())
            .header("Omise-Version", "2015-11-17"),
    )
    .await;
    let legacy = legacy.assert_ok();
    let mut keys: Vec<&str> = legacy
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "data",
            "filters",
            "object",
            "order",
            "page",
            "query",
            "scope",
            "total",
            "total_pages"
        ]
    );
    assert_eq!(legacy["total_pages"], 4);
    assert!(legacy["data"][0]["created"].is_string());
}

/// A row is found as soon as it is committed, and as often after it has
/// gone into the full-text index (SQLite moves rows there in batches), and
/// once only, even for a 3-D Secure charge indexed again when it fails.
async fn rows_are_found_before_and_after_indexing() {
    let app = TestApp::spawn().await;
    let link = app
        .create_link(
            json!({"amount": 100000, "currency": "THB", "title": "Zanzibar clove",
            "description": "", "multiple": true}),
        )
        .await;
    let token = app.token("4000000000003220").await;
    let response = app.pay(&link, &token).await;
    let charge = response.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let find = |scope: &'static str, query: &'static str| {
        let app = &app;
        async move { search(app, &format!("scope={scope}&query={query}")).await }
    };
    assert_eq!(find("link", "zanzibar").await["total"], 1);
    assert_eq!(ids(&find("charge", "zanzibar").await), [charge.as_str()]);
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(find("link", "zanzibar").await["total"], 1);
    assert_eq!(ids(&find("charge", "zanzibar").await), [charge.as_str()]);
    let failed = send(app.request(
        Method::POST,
        &format!("/charges/{charge}/mark_as_failed"),
        app.sk(),
    ))
    .await;
    failed.assert_ok();
    assert_eq!(
        ids(&find("charge", "failed_processing").await),
        [charge.as_str()]
    );
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(
        ids(&find("charge", "failed_processing").await),
        [charge.as_str()]
    );
    assert_eq!(
        ids(&find("charge", "zanzibar").await),
        [charge.as_str()],
        "once, not twice"
    );
}

db_tests!(
    rows_are_found_before_and_after_indexing,
    queries_and_filters_find_links,
    filters_find_charges,
    every_encoding_the_clients_send,
    bad_searches_are_named,
    searches_are_isolated_and_take_both_shapes,
);
