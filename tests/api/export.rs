//! `paylink export` and `paylink import`, run as a user runs them: an
//! account's history moved to a fresh database reads back the same over
//! HTTP, exports again to the same bytes, and a bad document changes
//! nothing.

use crate::cli::{new_account, run, serve};
use crate::helpers::{Db, PgDatabase, TestApp, card_fields, db_tests, postgres_url, send};
use reqwest::Method;
use serde_json::{Value, json};
use std::process::Command;

/// A fresh empty database of the test's kind: its URL, and what keeps it.
struct Fresh {
    url: String,
    _pg: Option<PgDatabase>,
    _dir: tempfile::TempDir,
}

async fn fresh(db: Db) -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let (url, pg) = match db {
        Db::Sqlite => (
            format!("sqlite://{}", dir.path().join("imported.db").display()),
            None,
        ),
        Db::Postgres => {
            let pg = PgDatabase::create(&postgres_url().unwrap()).await;
            (pg.url.clone(), Some(pg))
        }
    };
    Fresh {
        url,
        _pg: pg,
        _dir: dir,
    }
}

/// `paylink export` of the whole account: its stdout, byte for byte.
fn export(database: &str, account: &str) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_paylink"))
        .args(["export", "--database", database, "--account", account])
        .env_remove("PAYLINK_DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    output.stdout
}

/// `paylink import` of `document` into `database`: (success, stdout, stderr).
fn import(database: &str, document: &[u8]) -> (bool, String, String) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), document).unwrap();
    let path = file.path().to_str().unwrap();
    run(&["import", path, "--database", database, "--json"])
}

/// Pays a link with a card over its payment page, as a payer does; the
/// charge's id, whether it completed or waits at the test bank.
async fn pay(app: &TestApp, public_key: &str, link: &Value, number: &str) -> String {
    pay_with(app, public_key, link, card_fields(number)).await
}

/// `pay` with the card's fields as given.
async fn pay_with(app: &TestApp, public_key: &str, link: &Value, card: Value) -> String {
    let token = send(
        app.request(Method::POST, "/tokens", public_key)
            .json(&json!({"card": card})),
    )
    .await;
    let token = token.assert_ok()["id"].as_str().unwrap().to_owned();
    let response = app.pay(link, &token).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap();
    let id = match location.split_once("charge=") {
        Some((_, id)) => id,
        None => location.rsplit('/').next().unwrap(),
    };
    id.to_owned()
}

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    send(app.request(Method::POST, path, key).json(&body))
        .await
        .assert_ok()
        .clone()
}

/// An account with a history in both modes: links used, unused, deleted,
/// in two currencies; charges successful, failed, pending at the test bank
/// and completed, one on a card tokenized without a security code;
/// refunds; the events of all of it; settings.
async fn history() -> (TestApp, Vec<String>, Vec<String>) {
    let app = TestApp::spawn_with(|c| c.live_payments = true).await;
    let (sk, pk) = (app.sk().to_owned(), app.pk().to_owned());
    let link = |title: &str, amount: i64, currency: &str, multiple: bool| {
        json!({"amount": amount, "currency": currency, "title": title,
               "description": format!("About {title}"), "multiple": multiple})
    };
    let coffee = post(
        &app,
        &sk,
        "/links",
        link("Blue Mountain coffee", 100000, "THB", true),
    )
    .await;
    let tea = post(&app, &sk, "/links", link("Green tea", 5000, "THB", false)).await;
    let matcha = post(&app, &sk, "/links", link("Matcha", 1000, "JPY", false)).await;
    let gone = post(&app, &sk, "/links", link("Gone", 3000, "THB", true)).await;
    let paid = pay(&app, &pk, &coffee, "4242424242424242").await;
    pay(&app, &pk, &coffee, "4111111111140011").await;
    let again = pay(&app, &pk, &coffee, "4242424242424242").await;
    let mut without_code = card_fields("5555555555554444");
    without_code["security_code"] = json!("");
    let unchecked = pay_with(&app, &pk, &coffee, without_code).await;
    pay(&app, &pk, &tea, "4000000000003220").await;
    let authorized = pay(&app, &pk, &matcha, "5200000000003225").await;
    post(
        &app,
        &sk,
        &format!("/charges/{authorized}/mark_as_paid"),
        json!({}),
    )
    .await;
    for amount in [30000, 20000] {
        let path = format!("/charges/{paid}/refunds");
        post(
            &app,
            &sk,
            &path,
            json!({"amount": amount, "metadata": {"n": amount}}),
        )
        .await;
    }
    let path = format!("/charges/{again}/refunds");
    post(&app, &sk, &path, json!({"amount": 100000})).await;
    send(app.request(
        Method::DELETE,
        &format!("/links/{}", gone["id"].as_str().unwrap()),
        &sk,
    ))
    .await
    .assert_ok();
    // Live mode, in the older API version.
    let (live_sk, live_pk) = (
        app.keys.secret_key_live.clone(),
        app.keys.public_key_live.clone(),
    );
    let live = post(
        &app,
        &live_sk,
        "/links",
        link("Live beans", 25000, "THB", true),
    )
    .await;
    pay(&app, &live_pk, &live, "4242424242424242").await;
    pay(&app, &live_pk, &live, "4111111111130012").await;
    send(
        app.request(Method::PATCH, "/account", &live_sk)
            .json(&json!({"api_version": "2015-11-17"})),
    )
    .await
    .assert_ok();
    send(
        app.request(Method::PATCH, "/account", &sk)
            .json(&json!({"webhook_uri": "https://shop.example/hooks"})),
    )
    .await
    .assert_ok();
    let ids = |links: &[&Value]| {
        links
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let test_links = ids(&[&coffee, &tea, &matcha, &gone]);
    let charges = vec![paid, again, authorized, unchecked];
    let mut paths: Vec<String> = [
        "/account",
        "/links",
        "/links?order=reverse_chronological&limit=2&offset=1",
        "/charges",
        "/charges?limit=2&offset=3&order=reverse_chronological",
        "/events",
        "/events?limit=3&offset=2",
        "/events?order=reverse_chronological&limit=100",
        "/refunds",
        "/refunds?limit=1&offset=1",
        "/search?scope=link&query=coffee",
        "/search?scope=link&filters[used]=true",
        "/search?scope=charge&query=insufficient",
        "/search?scope=charge&query=4242&per_page=2&page=2",
        "/search?scope=charge&filters[status]=pending",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for link in &test_links {
        paths.push(format!("/links/{link}"));
        paths.push(format!("/links/{link}/charges"));
        paths.push(format!(
            "/links/{link}/charges?order=reverse_chronological&limit=1"
        ));
    }
    for charge in &charges {
        paths.push(format!("/charges/{charge}"));
        paths.push(format!("/charges/{charge}/refunds"));
        paths.push(format!("/charges/{charge}/events"));
    }
    let live_paths = [
        "/account",
        "/links",
        "/charges",
        "/events",
        "/search?scope=charge",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    (app, paths, live_paths)
}

/// A body as both servers must agree on it: their own address and the
/// request's time (a list's default `to`) aside.
fn comparable(text: &str, base: &str) -> Value {
    fn strip_to(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if map.get("object") == Some(&json!("list")) {
                    map.remove("to");
                }
                map.values_mut().for_each(strip_to);
            }
            Value::Array(items) => items.iter_mut().for_each(strip_to),
            _ => {}
        }
    }
    let mut value: Value = serde_json::from_str(&text.replace(base, "BASE")).unwrap();
    strip_to(&mut value);
    value
}

async fn an_account_moves_to_a_fresh_database_and_reads_back_the_same() {
    let (app, paths, live_paths) = history().await;
    let account = app.keys.account_id.clone();
    let document = export(&app.database_url, &account);
    let text = String::from_utf8(document.clone()).unwrap();
    assert!(text.starts_with("{\"paylink_export\":1,"), "{text}");
    assert!(!text.contains("webhook_secret") && !text.contains("key_hash"));

    let target = fresh(app.db).await;
    let (ok, stdout, stderr) = import(&target.url, &document);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("imported 2 mode(s) into a new account"),
        "{stderr}"
    );
    let keys: Value = serde_json::from_str(stdout.trim()).expect("the new keys, as JSON");
    assert_eq!(keys["account_id"], account.as_str());
    let served = serve(&target.url);
    assert!(!served.printed.contains("Created an account"));

    let key = |name: &str| keys[name].as_str().unwrap().to_owned();
    let sets = [
        (app.sk().to_owned(), key("secret_key_test"), paths),
        (
            app.keys.secret_key_live.clone(),
            key("secret_key_live"),
            live_paths,
        ),
    ];
    for (old_key, new_key, paths) in sets {
        for path in paths {
            let before = send(app.request(Method::GET, &path, &old_key)).await;
            before.assert_ok();
            let after = send(
                app.client
                    .get(format!("{}{path}", served.addr))
                    .basic_auth(&new_key, Some("")),
            )
            .await;
            after.assert_ok();
            assert_eq!(
                comparable(&before.text, &app.base),
                comparable(&after.text, &served.addr),
                "GET {path}"
            );
        }
    }
    // The card without a security code is still one, and only it.
    let charges = send(
        app.client
            .get(format!("{}/charges?limit=100", served.addr))
            .basic_auth(key("secret_key_test"), Some("")),
    )
    .await;
    let unchecked: Vec<&Value> = charges.assert_ok()["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["card"]["security_code_check"] == false)
        .collect();
    assert_eq!(unchecked.len(), 1, "{}", charges.text);
    assert_eq!(unchecked[0]["card"]["last_digits"], "4444");
    let searched = send(
        app.client
            .get(format!(
                "{}/search?scope=charge&query=insufficient",
                served.addr
            ))
            .basic_auth(key("secret_key_test"), Some("")),
    )
    .await;
    assert_eq!(searched.body["total"], 1, "{}", searched.text);

    drop(served);
    let again = export(&target.url, &account);
    assert!(
        again == document,
        "a second export differs:\n{}",
        String::from_utf8_lossy(&again)
    );

    // One mode alone.
    let output = Command::new(env!("CARGO_BIN_EXE_paylink"))
        .args([
            "export",
            "--database",
            &target.url,
            "--account",
            &account,
            "--mode",
            "live",
        ])
        .output()
        .unwrap();
    let live: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(live["modes"].as_array().unwrap().len(), 1);
    assert_eq!(live["modes"][0]["livemode"], true);
    assert_eq!(live["modes"][0]["settings"]["api_version"], "2015-11-17");
}

/// The database's state as the export of `account` shows it, or the
/// refusal to export it.
fn state(database: &str, account: &str) -> String {
    let (ok, stdout, stderr) = run(&["export", "--database", database, "--account", account]);
    if ok { stdout } else { stderr }
}

#[track_caller]
fn refused(outcome: (bool, String, String), says: &str) {
    let (ok, stdout, stderr) = outcome;
    assert!(!ok, "imported: {stdout}{stderr}");
    assert!(stdout.is_empty(), "no keys are printed: {stdout}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(stderr.contains(says), "expected {says:?} in: {stderr}");
}

async fn a_bad_or_conflicting_document_changes_nothing() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    app.pay_ok(&link, "4242424242424242").await;
    let account = app.keys.account_id.clone();
    let document = String::from_utf8(export(&app.database_url, &account)).unwrap();

    // Into the account it came from: it is not empty.
    let before = state(&app.database_url, &account);
    refused(
        import(&app.database_url, document.as_bytes()),
        "already has links, tokens, charges, events in test mode",
    );
    assert_eq!(state(&app.database_url, &account), before);

    let target = fresh(app.db).await;
    let nothing = format!("no account {account}");
    // Cut short, with the place it ends.
    refused(
        import(&target.url, &document.as_bytes()[..document.len() / 2]),
        "line ",
    );
    // A version this paylink does not read.
    let future = document.replace("\"paylink_export\":1,", "\"paylink_export\":99,");
    refused(import(&target.url, future.as_bytes()), "version 99");
    // A field it does not know, with its line.
    let typo = document.replacen("\"amount\"", "\"amuont\"", 1);
    refused(import(&target.url, typo.as_bytes()), "amuont");
    // A charge whose link is not in the document.
    let lost = document.replacen(
        link["id"].as_str().unwrap(),
        "link_test_0000000000000000000",
        1,
    );
    refused(
        import(&target.url, lost.as_bytes()),
        "is not among the document's links",
    );
    // Numbering with a gap.
    let gap = document.replacen("\"account_seq\":1,", "\"account_seq\":2,", 1);
    refused(import(&target.url, gap.as_bytes()), "numbered 1, 2, 3");
    assert!(state(&target.url, &account).contains(&nothing));

    // The same rows under another account id: then the link's id is taken.
    let other = new_account(&target.url)["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let moved = document.replace(&account, &other);
    let (ok, stdout, stderr) = import(&target.url, moved.as_bytes());
    assert!(ok, "an existing empty account takes an import: {stderr}");
    assert!(
        stdout.is_empty(),
        "an existing account keeps its keys: {stdout}"
    );
    let after_first = state(&target.url, &other);
    refused(
        import(&target.url, document.as_bytes()),
        "already exists in this database",
    );
    assert!(state(&target.url, &account).contains(&nothing));
    assert_eq!(state(&target.url, &other), after_first);

    // And a sound document still goes in whole where nothing stands in its way.
    let clean = fresh(app.db).await;
    let (ok, _, stderr) = import(&clean.url, document.as_bytes());
    assert!(ok, "{stderr}");
    assert_eq!(state(&clean.url, &account), document);
}

/// A document written before cards recorded `security_code_check`: every
/// card in it had its code checked, and reads back so.
async fn a_document_from_before_security_code_check_reads_as_checked() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let token = app.token("4242424242424242").await;
    let account = app.keys.account_id.clone();
    let document = String::from_utf8(export(&app.database_url, &account)).unwrap();
    // A stored card is JSON text inside the document's JSON, its quotes
    // escaped, and ends with the new field (an event's data, the API's
    // card object, always showed it).
    let field = r#",\"security_code_check\":true}""#;
    assert_eq!(document.matches(field).count(), 3, "{document}");
    let older = document.replace(field, "}\"");

    let target = fresh(app.db).await;
    let (ok, stdout, stderr) = import(&target.url, older.as_bytes());
    assert!(ok, "{stderr}");
    let keys: Value = serde_json::from_str(stdout.trim()).unwrap();
    let served = serve(&target.url);
    for path in [format!("/charges/{charge}"), format!("/tokens/{token}")] {
        let reply = send(
            app.client
                .get(format!("{}{path}", served.addr))
                .basic_auth(keys["secret_key_test"].as_str().unwrap(), Some("")),
        )
        .await;
        assert_eq!(
            reply.assert_ok()["card"]["security_code_check"],
            true,
            "{path}"
        );
    }
    drop(served);
    // The rows are kept as the document had them.
    let again = String::from_utf8(export(&target.url, &account)).unwrap();
    assert_eq!(again, older);
}

db_tests!(
    an_account_moves_to_a_fresh_database_and_reads_back_the_same,
    a_bad_or_conflicting_document_changes_nothing,
    a_document_from_before_security_code_check_reads_as_checked,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    paylink_no_postgres,
    ignore = "needs PostgreSQL: set PAYLINK_TEST_POSTGRES_URL"
)]
async fn sqlite_and_postgres_give_the_same_bytes() {
    if postgres_url().is_none() {
        return;
    }
    let (app, _, _) = history().await;
    let account = app.keys.account_id.clone();
    let document = export(&app.database_url, &account);
    let pg = fresh(Db::Postgres).await;
    let (ok, _, stderr) = import(&pg.url, &document);
    assert!(ok, "{stderr}");
    assert!(
        export(&pg.url, &account) == document,
        "PostgreSQL's export differs"
    );
    let back = fresh(Db::Sqlite).await;
    let (ok, _, stderr) = import(&back.url, &export(&pg.url, &account));
    assert!(ok, "{stderr}");
    assert!(
        export(&back.url, &account) == document,
        "SQLite's export differs"
    );
}
