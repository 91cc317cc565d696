use crate::helpers::{TestApp, send};
use reqwest::Method;
use serde_json::{Value, json};

fn assert_id(id: &Value, prefix: &str) {
    let id = id.as_str().unwrap();
    let suffix = id
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{id} starts with {prefix}"));
    assert_eq!(suffix.len(), 19, "{id}");
    assert!(
        suffix
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
        "{id}"
    );
}

async fn create_then_retrieve_returns_the_seed_link_object() {
    let app = TestApp::spawn().await;
    let created = app.thb_link(false).await;
    assert_id(&created["id"], "link_test_");
    let id = created["id"].as_str().unwrap();
    let reply = app.get(&format!("/links/{id}")).await;
    let link = reply.assert_ok().clone();
    // The embedded list ends at each request's own second; all else is equal.
    let mut created_same_time = created.clone();
    created_same_time["charges"]["to"] = link["charges"]["to"].clone();
    assert_eq!(link, created_same_time);
    let link = &link;
    let keys: Vec<&str> = link
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "amount",
        "charges",
        "created_at",
        "currency",
        "deleted",
        "deleted_at",
        "description",
        "id",
        "livemode",
        "location",
        "multiple",
        "object",
        "payment_uri",
        "title",
        "used",
        "used_at",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(link["object"], "link");
    assert_eq!(link["livemode"], false);
    assert_eq!(link["location"], format!("/links/{id}"));
    assert_eq!(link["amount"], 100000);
    assert_eq!(link["currency"], "THB");
    assert_eq!(link["used"], false);
    assert_eq!(link["multiple"], false);
    assert_eq!(link["title"], "Order-384");
    assert_eq!(link["description"], "New Product");
    assert_eq!(link["deleted"], false);
    assert_eq!(link["deleted_at"], Value::Null);
    assert_eq!(link["used_at"], Value::Null);
    let code = id.strip_prefix("link_test_").unwrap().to_uppercase();
    assert_eq!(link["payment_uri"], format!("{}/pay/{code}", app.base));
    let created_at = link["created_at"].as_str().unwrap();
    assert_eq!(created_at.len(), 20, "second precision: {created_at}");
    assert!(created_at.ends_with('Z'));
    let charges = &link["charges"];
    assert_eq!(charges["object"], "list");
    assert_eq!(charges["data"], json!([]));
    assert_eq!(charges["total"], 0);
    assert_eq!(charges["limit"], 20);
    assert_eq!(charges["offset"], 0);
    assert_eq!(charges["order"], "chronological");
    assert_eq!(charges["location"], format!("/links/{id}/charges"));
    assert_eq!(charges["from"], "1970-01-01T00:00:00Z");
}

async fn currency_is_stored_uppercase_whatever_the_case_sent() {
    let app = TestApp::spawn().await;
    let link = app
        .create_link(json!({"amount": 1000, "currency": "jpy", "title": "t", "description": ""}))
        .await;
    assert_eq!(link["currency"], "JPY");
    assert_eq!(link["description"], "");
}

async fn the_2015_11_17_shape_on_request() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let id = link["id"].as_str().unwrap();
    app.pay_ok(&link, "4242424242424242").await;
    for version in ["2015-11-17", "2014-07-27", "2017-11-02"] {
        let reply = send(
            app.request(Method::GET, &format!("/links/{id}"), app.sk())
                .header("Omise-Version", version),
        )
        .await;
        let old = reply.assert_ok();
        assert_eq!(old["currency"], "thb", "{version}");
        assert_eq!(old["created"], link["created_at"]);
        assert!(old.get("created_at").is_none());
        assert!(old.get("used_at").is_none());
        assert!(old.get("deleted_at").is_none());
        let charge = &old["charges"]["data"][0];
        assert_eq!(charge["currency"], "thb");
        assert!(charge.get("created").is_some() && charge.get("created_at").is_none());
        assert_eq!(charge["paid"], true);
        assert_eq!(charge["refunded"], 0);
        assert!(charge.get("refunded_amount").is_none());
    }
    let current = send(
        app.request(Method::GET, &format!("/links/{id}"), app.sk())
            .header("Omise-Version", "2019-05-29"),
    )
    .await;
    assert_eq!(current.assert_ok()["currency"], "THB");
    send(
        app.request(Method::GET, &format!("/links/{id}"), app.sk())
            .header("Omise-Version", "2020-01-01"),
    )
    .await
    .assert_error(400, "bad_request");
}

async fn creation_validates_every_field() {
    const INTEGER: &str =
        "amount must be an integer in the currency's smallest unit (1250 for 12.50 THB)";
    let app = TestApp::spawn().await;
    let base = json!({"amount": 100000, "currency": "THB", "title": "t", "description": "d"});
    let cases = [
        ("amount", json!(null), "amount is required"),
        (
            "amount",
            json!(1999),
            "amount must be at least 2000 (฿20.00) in the smallest unit of THB",
        ),
        (
            "amount",
            json!(15000001),
            "amount must be at most 15000000 (฿150,000.00) in the smallest unit of THB",
        ),
        (
            "amount",
            json!(-5),
            "amount must be at least 2000 (฿20.00) in the smallest unit of THB",
        ),
        ("amount", json!(1e30), INTEGER),
        ("amount", json!("100000000000000000000000"), INTEGER),
        ("amount", json!(2000.5), INTEGER),
        ("amount", json!("12abc"), INTEGER),
        ("amount", json!([1]), INTEGER),
        ("currency", json!("XYZ"), "currency is not supported"),
        ("currency", json!(null), "currency is required"),
        ("title", json!(""), "title is required"),
        (
            "title",
            json!("x".repeat(256)),
            "title is too long (at most 255 characters)",
        ),
        ("title", json!({"a": 1}), "title must be a string"),
        ("description", json!(null), "description is required"),
        (
            "description",
            json!("x".repeat(1001)),
            "description is too long (at most 1000 characters)",
        ),
        ("multiple", json!("maybe"), "multiple must be a boolean"),
    ];
    for (field, value, message) in cases {
        let mut body = base.clone();
        body[field] = value;
        let reply = send(app.request(Method::POST, "/links", app.sk()).json(&body)).await;
        reply.assert_error(400, "invalid_link");
        assert_eq!(reply.body["message"], message, "{field}");
    }
    let list = app.get("/links").await;
    assert_eq!(list.assert_ok()["total"], 0, "nothing was stored");
}

async fn currency_bounds_follow_the_published_limits() {
    let app = TestApp::spawn().await;
    for (currency, min, max) in [
        ("JPY", 100, 6000000),
        ("SGD", 100, 2000000),
        ("IDR", 1000000, 100000000000i64),
        ("USD", 100, 10000000),
    ] {
        for (amount, ok) in [(min - 1, false), (min, true), (max, true), (max + 1, false)] {
            let body =
                json!({"amount": amount, "currency": currency, "title": "t", "description": ""});
            let reply = send(app.request(Method::POST, "/links", app.sk()).json(&body)).await;
            if ok {
                assert_eq!(reply.assert_ok()["amount"], amount);
            } else {
                reply.assert_error(400, "invalid_link");
            }
        }
    }
}

async fn delete_marks_the_link_and_is_idempotent() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    app.pay_ok(&link, "4242424242424242").await;
    let id = link["id"].as_str().unwrap();
    let path = format!("/links/{id}");
    let first = send(app.request(Method::DELETE, &path, app.sk())).await;
    let deleted = first.assert_ok().clone();
    assert_eq!(deleted["deleted"], true);
    assert!(deleted["deleted_at"].is_string());
    assert_eq!(deleted["id"], id);
    let again = send(app.request(Method::DELETE, &path, app.sk())).await;
    assert_eq!(
        again.assert_ok(),
        &deleted,
        "deleting again returns the same object"
    );
    let retrieved = app.get(&path).await;
    assert_eq!(retrieved.assert_ok()["deleted"], true);
    let charges = app.get(&format!("{path}/charges")).await;
    assert_eq!(charges.assert_ok()["total"], 1, "charges stay listable");
    let list = app.get("/links").await;
    assert_eq!(list.assert_ok()["total"], 0, "deleted links leave the list");
    let token = app.token("4242424242424242").await;
    let response = app.pay(&link, &token).await;
    assert_eq!(response.status(), 404, "a deleted link takes no payment");
    let charges = app.get(&format!("{path}/charges")).await;
    assert_eq!(charges.assert_ok()["total"], 1);
}

async fn a_paid_single_use_link_is_used() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let id = link["id"].as_str().unwrap();
    let declined = app.pay_ok(&link, "4111111111140011").await;
    let after_decline = app.get(&format!("/links/{id}")).await;
    assert_eq!(
        after_decline.body["used"], false,
        "a failed charge does not use a link"
    );
    let charge_id = app.pay_ok(&link, "4242424242424242").await;
    let reply = app.get(&format!("/links/{id}")).await;
    let paid = reply.assert_ok();
    assert_eq!(paid["used"], true);
    let charge = app.get(&format!("/charges/{charge_id}")).await;
    assert_eq!(paid["used_at"], charge.body["created_at"]);
    let data = paid["charges"]["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["id"], declined.as_str());
    assert_eq!(data[1]["id"], charge_id.as_str());
    assert_eq!(paid["charges"]["total"], 2);
}

async fn a_multiple_use_link_is_never_used() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    for _ in 0..3 {
        app.pay_ok(&link, "4242424242424242").await;
    }
    let reply = app
        .get(&format!("/links/{}", link["id"].as_str().unwrap()))
        .await;
    assert_eq!(reply.body["used"], false);
    assert_eq!(reply.body["used_at"], Value::Null);
    assert_eq!(reply.body["charges"]["total"], 3);
}

async fn live_keys_make_live_links() {
    let app = TestApp::spawn().await;
    let link = app
        .create_link_with(
            &app.keys.secret_key_live.clone(),
            json!({
                "amount": 5000, "currency": "usd", "title": "Live", "description": "",
            }),
        )
        .await;
    assert_id(&link["id"], "link_");
    assert_eq!(link["livemode"], true);
    assert!(!link["id"].as_str().unwrap().contains("_test_"));
}

async fn retrieval_sees_every_commit_at_once() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let id = link["id"].as_str().unwrap();
    let path = format!("/links/{id}");
    let first = app.get(&path).await.assert_ok().clone();
    assert_eq!(app.get(&path).await.assert_ok(), &first);
    // A commit that bypasses this server, as another process would make.
    app.execute_sql(&format!(
        "UPDATE links SET title = 'Changed' WHERE id = '{id}'"
    ))
    .await;
    assert_eq!(app.get(&path).await.body["title"], "Changed");
    app.pay_ok(&link, "4242424242424242").await;
    let paid = app.get(&path).await;
    assert_eq!(paid.body["used"], true, "never a stale used");
    assert_eq!(paid.body["charges"]["total"], 1);
    // Another account's key never sees the cached link.
    let other = paylink::accounts::create_account(app.store.as_ref())
        .await
        .unwrap();
    send(app.request(Method::GET, &path, &other.secret_key_test))
        .await
        .assert_error(404, "not_found");
    let rolled = paylink::accounts::roll_keys(app.store.as_ref(), &app.keys.account_id)
        .await
        .unwrap()
        .unwrap();
    send(app.request(Method::GET, &path, app.sk()))
        .await
        .assert_error(401, "authentication_failure");
    send(app.request(Method::GET, &path, &rolled.secret_key_test))
        .await
        .assert_ok();
}

/// Every answer the cache may hold about a link, after each kind of change
/// this process or another makes: never one stale answer.
async fn cached_answers_follow_every_change() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let other = app.thb_link(true).await;
    let id = link["id"].as_str().unwrap().to_owned();
    let other_id = other["id"].as_str().unwrap().to_owned();
    let object = format!("/links/{id}");
    let charges = format!("/links/{id}/charges");
    let first = format!("/links/{id}/charges?limit=1&order=reverse_chronological");
    let read = |path: String| {
        let app = &app;
        async move { app.get(&path).await.assert_ok().clone() }
    };
    // Each answer read twice: the second may come from the cache.
    let settle = |path: String| {
        let app = &app;
        async move {
            // A list ends at the request's second: `to` may move on between
            // the two reads, and nothing else may.
            let without_to = |mut answer: Value| {
                if let Some(answer) = answer.as_object_mut() {
                    answer.remove("to");
                    if let Some(charges) = answer.get_mut("charges").and_then(Value::as_object_mut)
                    {
                        charges.remove("to");
                    }
                }
                answer
            };
            let once = app.get(&path).await.assert_ok().clone();
            let again = app.get(&path).await.assert_ok().clone();
            assert_eq!(without_to(again), without_to(once.clone()), "{path}");
            once
        }
    };
    assert_eq!(settle(charges.clone()).await["total"], 0);
    assert_eq!(settle(object.clone()).await["charges"]["total"], 0);
    let other_charges = settle(format!("/links/{other_id}/charges")).await;

    // A payment.
    let charge = app.pay_ok(&link, "4242424242424242").await;
    assert_eq!(read(charges.clone()).await["total"], 1);
    assert_eq!(
        read(object.clone()).await["charges"]["data"][0]["id"],
        charge.as_str()
    );
    assert_eq!(
        settle(first.clone()).await["data"][0]["id"],
        charge.as_str()
    );
    // A refund changes the charge each answer embeds.
    send(
        app.request(
            Method::POST,
            &format!("/charges/{charge}/refunds"),
            app.sk(),
        )
        .json(&serde_json::json!({"amount": 1000})),
    )
    .await
    .assert_ok();
    assert_eq!(
        read(first.clone()).await["data"][0]["refunded_amount"],
        1000
    );
    assert_eq!(
        read(object.clone()).await["charges"]["data"][0]["refunded_amount"],
        1000
    );
    // A 3-D Secure charge, then its completion.
    let pending = app.token("4000000000003220").await;
    assert_eq!(app.pay(&link, &pending).await.status(), 303);
    let newest = settle(first.clone()).await;
    assert_eq!(newest["data"][0]["status"], "pending");
    let pending_id = newest["data"][0]["id"].as_str().unwrap().to_owned();
    send(app.request(
        Method::POST,
        &format!("/charges/{pending_id}/mark_as_paid"),
        app.sk(),
    ))
    .await
    .assert_ok();
    assert_eq!(read(first.clone()).await["data"][0]["status"], "successful");
    assert_eq!(settle(object.clone()).await["charges"]["total"], 2);
    // A commit that bypasses this server, as another process would make.
    app.execute_sql(&format!(
        "UPDATE charges SET description = 'Changed' WHERE id = '{charge}'"
    ))
    .await;
    assert_eq!(
        read(charges.clone()).await["data"][0]["description"],
        "Changed"
    );
    // Deleted, the link says so; its charges stay listed.
    send(app.request(Method::DELETE, &object, app.sk()))
        .await
        .assert_ok();
    assert_eq!(read(object.clone()).await["deleted"], true);
    // The other link's answers were never touched by any of it (its list
    // ends at the request's second, so `to` may have moved on).
    let other_now = app
        .get(&format!("/links/{other_id}/charges"))
        .await
        .assert_ok()
        .clone();
    assert_eq!(other_now["data"], other_charges["data"]);
    assert_eq!(other_now["total"], other_charges["total"]);
    // A reset empties the test mode: nothing cached answers for it.
    send(app.request(Method::POST, "/_paylink/reset", app.sk()))
        .await
        .assert_ok();
    app.get(&charges).await.assert_error(404, "not_found");
    app.get(&object).await.assert_error(404, "not_found");
}

crate::helpers::db_tests!(
    cached_answers_follow_every_change,
    retrieval_sees_every_commit_at_once,
    create_then_retrieve_returns_the_seed_link_object,
    currency_is_stored_uppercase_whatever_the_case_sent,
    the_2015_11_17_shape_on_request,
    creation_validates_every_field,
    currency_bounds_follow_the_published_limits,
    delete_marks_the_link_and_is_idempotent,
    a_paid_single_use_link_is_used,
    a_multiple_use_link_is_never_used,
    live_keys_make_live_links,
);

/// On SQLite this process's own commits are logged with what they touched,
/// so that a payment drops only its link's cached answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_commits_say_what_they_touched() {
    use paylink::store::Touched;
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let id = link["id"].as_str().unwrap();
    let before = app
        .store
        .change_token()
        .expect("a file database has a token");
    let token = app.token("4242424242424242").await;
    assert_eq!(app.pay(&link, &token).await.status(), 303);
    let after = app.store.change_token().unwrap();
    assert!(
        after.version > before.version,
        "commits move the version on"
    );
    let touched = app
        .store
        .own_commits(before.version, after.version)
        .expect("every commit since is this process's own, and logged");
    assert!(
        touched.contains(&Touched::Links(vec![id.to_owned()])),
        "{touched:?}"
    );
    assert!(!touched.contains(&Touched::Everything), "{touched:?}");
    // A commit of another connection is never taken for this process's
    // own. While a write of this process holds the writer (the upkeep
    // worker indexing the payment for search, say) it may be that write's,
    // so it is in flight for a moment; once no write is, it is unknown.
    app.execute_sql(&format!("UPDATE links SET title = 'X' WHERE id = '{id}'"))
        .await;
    let outside = app.store.change_token().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match app.store.own_commits(after.version, outside.version) {
            Err(paylink::store::Unaccounted::Unknown) => break,
            Err(paylink::store::Unaccounted::InFlight) => {
                assert!(std::time::Instant::now() < deadline, "in flight for 10 s");
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            Ok(touched) => panic!("another connection's commit taken for own: {touched:?}"),
        }
    }
}
