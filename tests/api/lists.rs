//! Pagination: limit, offset, order, from/to, totals and echoes.

use crate::helpers::{TestApp, at, send};
use paylink::domain::list::format_time;
use reqwest::Method;
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A link with 25 charges a minute apart from 2026-01-01T00:00:00Z, plus
/// the charge ids in creation order.
async fn link_with_charges(app: &TestApp) -> (String, Vec<String>) {
    let link = app.seed_link(at("2025-12-31T00:00:00Z"), true).await;
    let mut charges = vec![];
    for minute in 0..25 {
        let time = at("2026-01-01T00:00:00Z") + minute * 60_000_000;
        charges.push(app.seed_charge(&link.id, time).await.id);
    }
    (link.id, charges)
}

async fn limits_offsets_and_orders() {
    let app = TestApp::spawn().await;
    let (link, all) = link_with_charges(&app).await;
    let path = format!("/links/{link}/charges");
    let app = &app;
    let path = &path;
    let page = |q: &str| {
        let url = format!("{path}?{q}");
        async move { app.get(&url).await }
    };
    let first = page("").await;
    let body = first.assert_ok();
    assert_eq!(body["object"], "list");
    assert_eq!(body["limit"], 20);
    assert_eq!(body["offset"], 0);
    assert_eq!(body["total"], 25);
    assert_eq!(body["order"], "chronological");
    assert_eq!(body["location"], path.as_str());
    assert_eq!(body["from"], "1970-01-01T00:00:00Z");
    assert_eq!(ids(body), all[..20]);

    assert_eq!(ids(&page("limit=1").await.body), all[..1]);
    assert_eq!(ids(&page("limit=100").await.body), all);
    assert_eq!(page("limit=100").await.body["limit"], 100);
    page("limit=101").await.assert_error(400, "bad_request");
    page("limit=0").await.assert_error(400, "bad_request");
    assert_eq!(ids(&page("offset=20").await.body), all[20..]);
    let past = page("offset=25").await;
    assert_eq!(past.body["data"], json!([]));
    assert_eq!(past.body["total"], 25);
    assert_eq!(past.body["offset"], 25);
    assert_eq!(page("offset=1000000000").await.body["data"], json!([]));

    let reverse = page("order=reverse_chronological&limit=5&offset=2").await;
    let mut expected: Vec<String> = all.iter().rev().cloned().collect();
    expected = expected[2..7].to_vec();
    assert_eq!(ids(&reverse.body), expected);
    assert_eq!(reverse.body["order"], "reverse_chronological");
    assert_eq!(reverse.body["total"], 25);

    // Walking every page in both orders sees each record exactly once.
    for order in ["chronological", "reverse_chronological"] {
        let mut seen = vec![];
        for offset in (0..25).step_by(7) {
            seen.extend(ids(&page(&format!(
                "limit=7&offset={offset}&order={order}"
            ))
            .await
            .body));
        }
        if order == "reverse_chronological" {
            seen.reverse();
        }
        assert_eq!(seen, all, "{order}");
    }
}

async fn from_and_to_windows() {
    let app = TestApp::spawn().await;
    let (link, all) = link_with_charges(&app).await;
    let path = format!("/links/{link}/charges");
    // Minutes 5..=9: both ends are inclusive.
    let reply = app
        .get(&format!(
            "{path}?from=2026-01-01T00:05:00Z&to=2026-01-01T00:09:00Z"
        ))
        .await;
    assert_eq!(ids(&reply.body), all[5..=9]);
    assert_eq!(reply.body["total"], 5);
    assert_eq!(reply.body["from"], "2026-01-01T00:05:00Z");
    assert_eq!(reply.body["to"], "2026-01-01T00:09:00Z");
    // Offsets with a time zone are the same instants.
    let offset = app
        .get(&format!(
            "{path}?from=2026-01-01T07:05:00%2B07:00&to=2026-01-01T07:09:00%2B07:00"
        ))
        .await;
    assert_eq!(ids(&offset.body), all[5..=9]);
    assert_eq!(offset.body["from"], "2026-01-01T00:05:00Z");
    // Fractional seconds are accepted.
    let fractional = app
        .get(&format!(
            "{path}?from=2026-01-01T00:05:00.000Z&to=2026-01-01T00:05:00.999Z"
        ))
        .await;
    assert_eq!(ids(&fractional.body), all[5..=5]);
    // A date alone is midnight UTC.
    let date_only = app.get(&format!("{path}?to=2026-01-01")).await;
    assert_eq!(ids(&date_only.body), all[..1]);
    assert_eq!(date_only.body["to"], "2026-01-01T00:00:00Z");
    let none = app.get(&format!("{path}?from=2026-01-02")).await;
    assert_eq!(none.body["total"], 0);
    assert_eq!(none.body["data"], json!([]));
    // A window in the middle, in reverse, with an offset.
    let middle = app
        .get(&format!("{path}?from=2026-01-01T00:10:00Z&to=2026-01-01T00:19:00Z&order=reverse_chronological&offset=3&limit=4"))
        .await;
    assert_eq!(middle.body["total"], 10);
    let expected: Vec<String> = all[10..=19].iter().rev().skip(3).take(4).cloned().collect();
    assert_eq!(ids(&middle.body), expected);
    app.get(&format!(
        "{path}?from=2026-01-01T00:10:00Z&to=2026-01-01T00:09:59Z"
    ))
    .await
    .assert_error(400, "bad_request");
    app.get(&format!(
        "{path}?from=2026-01-01T00:10:00Z&to=2026-01-01T00:10:00Z"
    ))
    .await
    .assert_ok();
    app.get(&format!("{path}?from=01/01/2026"))
        .await
        .assert_error(400, "invalid_date_format");
}

async fn the_default_to_is_the_request_time() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let before = paylink::domain::list::now();
    let reply = app
        .get(&format!("/links/{}/charges", link["id"].as_str().unwrap()))
        .await;
    let to = at(reply.body["to"].as_str().unwrap());
    let after = paylink::domain::list::now();
    assert!(
        to >= before - 1_000_000 && to <= after,
        "{}",
        format_time(to)
    );
}

async fn ties_are_broken_by_creation_order() {
    let app = TestApp::spawn().await;
    let link = app.seed_link(at("2026-01-01T00:00:00Z"), true).await;
    let same_second = at("2026-02-01T00:00:00Z");
    let mut created = vec![];
    for _ in 0..6 {
        created.push(app.seed_charge(&link.id, same_second).await.id);
    }
    let path = format!("/links/{}/charges", link.id);
    let mut seen = vec![];
    for offset in 0..6 {
        seen.extend(ids(&app
            .get(&format!("{path}?limit=1&offset={offset}"))
            .await
            .body));
    }
    assert_eq!(seen, created);
    let reverse = app
        .get(&format!("{path}?order=reverse_chronological"))
        .await;
    let mut backwards = created.clone();
    backwards.reverse();
    assert_eq!(ids(&reverse.body), backwards);
}

async fn a_clock_that_goes_back_never_reorders_charges() {
    let app = TestApp::spawn().await;
    let link = app.seed_link(at("2026-01-01T00:00:00Z"), true).await;
    let first = app.seed_charge(&link.id, at("2026-03-01T00:00:00Z")).await;
    let second = app.seed_charge(&link.id, at("2026-02-01T00:00:00Z")).await;
    assert!(second.created_at >= first.created_at);
    let reply = app.get(&format!("/links/{}/charges", link.id)).await;
    assert_eq!(ids(&reply.body), [first.id, second.id]);
}

async fn account_charges_and_links_paginate_the_same_way() {
    let app = TestApp::spawn().await;
    let mut links = vec![];
    let mut charges = vec![];
    for day in 1..=5 {
        let link = app
            .seed_link(at(&format!("2026-01-0{day}T00:00:00Z")), true)
            .await;
        charges.push(
            app.seed_charge(&link.id, at(&format!("2026-01-0{day}T12:00:00Z")))
                .await
                .id,
        );
        links.push(link.id);
    }
    let all = app.get("/charges?limit=2&offset=1").await;
    assert_eq!(all.body["total"], 5);
    assert_eq!(all.body["location"], "/charges");
    assert_eq!(ids(&all.body), charges[1..3]);
    let window = app
        .get("/charges?from=2026-01-02&to=2026-01-04&order=reverse_chronological")
        .await;
    assert_eq!(ids(&window.body), [charges[2].clone(), charges[1].clone()]);
    let listed = app.get("/links?from=2026-01-02&to=2026-01-04").await;
    assert_eq!(listed.body["location"], "/links");
    assert_eq!(listed.body["total"], 3);
    assert_eq!(ids(&listed.body), links[1..=3]);
    assert_eq!(
        listed.body["data"][0]["charges"]["total"], 1,
        "links embed their charges"
    );
    let reversed = app.get("/links?order=reverse_chronological&limit=2").await;
    assert_eq!(ids(&reversed.body), [links[4].clone(), links[3].clone()]);
    // Live mode sees none of the test charges.
    let live = send(app.request(Method::GET, "/charges", &app.keys.secret_key_live)).await;
    assert_eq!(live.assert_ok()["total"], 0);
}

crate::helpers::db_tests!(
    limits_offsets_and_orders,
    from_and_to_windows,
    the_default_to_is_the_request_time,
    ties_are_broken_by_creation_order,
    a_clock_that_goes_back_never_reorders_charges,
    account_charges_and_links_paginate_the_same_way,
);
