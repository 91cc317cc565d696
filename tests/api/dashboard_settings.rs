//! The dashboard's settings over HTTP, on both databases: the display
//! name, the API version, rolling the keys, resetting the test data, and
//! forms without the session's token.

use crate::dashboard::{Browser, Page};
use crate::helpers::{TestApp, card_fields, db_tests, send};
use reqwest::{Method, StatusCode};
use serde_json::json;

db_tests!(
    a_display_name_change_shows_on_the_payment_page,
    an_invalid_display_name_is_shown_beside_the_field_and_kept,
    an_api_version_change_is_seen_by_the_api,
    rolled_keys_work_the_old_ones_are_refused_and_sessions_end,
    a_reset_needs_the_word_and_deletes_test_data_only,
    settings_forms_without_the_sessions_token_change_nothing,
);

/// The `value` of the input with this id.
fn input_value(page: &Page, id: &str) -> String {
    let at = page
        .body
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("an input #{id}: {}", page.body));
    let rest = &page.body[at..];
    let rest = &rest[rest.find(r#"value=""#).unwrap() + r#"value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn signed_in<'a>(app: &'a TestApp, key: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    assert_eq!(browser.sign_in(key).await.status, StatusCode::SEE_OTHER);
    browser
}

async fn api_version(app: &TestApp, key: &str) -> String {
    let account = send(app.request(Method::GET, "/account", key)).await;
    account.assert_ok()["api_version"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_display_name_change_shows_on_the_payment_page() {
    let app = TestApp::spawn().await;
    let browser = signed_in(&app, app.sk()).await;
    let page = browser.get("/dashboard/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&app.keys.account_id), "the account id");
    assert!(page.body.contains(r#"aria-current="page">Settings<"#));
    let saved = browser
        .post(
            "/dashboard/settings/display-name",
            &[
                ("display_name", "  Siam <Tea> House  "),
                ("csrf", &page.csrf()),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location(),
        "/dashboard/settings?done=display-name#display-name-section"
    );
    let page = browser.get(saved.location()).await;
    assert!(page.body.contains("Display name saved."));
    // Trimmed, escaped, in the form and in the frame's header.
    assert!(page.body.contains(r#"value="Siam &lt;Tea&gt; House""#));
    assert!(!page.body.contains("<Tea>"));
    assert!(
        page.body
            .contains(r#"class="account" title="Siam &lt;Tea&gt; House""#)
    );

    let link = app.thb_link(false).await;
    let pay = app
        .client
        .get(link["payment_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(pay.status(), StatusCode::OK);
    let pay = pay.text().await.unwrap();
    assert!(pay.contains("Siam &lt;Tea&gt; House"), "{pay}");

    // The name is the account's: the live session sees it too.
    let live = signed_in(&app, &app.keys.secret_key_live).await;
    let page = live.get("/dashboard/settings").await;
    assert!(page.body.contains(r#"value="Siam &lt;Tea&gt; House""#));
}

async fn an_invalid_display_name_is_shown_beside_the_field_and_kept() {
    let app = TestApp::spawn().await;
    let browser = signed_in(&app, app.sk()).await;
    let csrf = browser.csrf().await;
    let long = "n".repeat(101);
    for (typed, says) in [
        ("   ", "cannot be empty"),
        (long.as_str(), "too long"),
        ("Bad\0Name", "cannot be shown"),
    ] {
        let page = browser
            .post(
                "/dashboard/settings/display-name",
                &[("display_name", typed), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{typed:?}");
        assert!(
            page.body.contains(r#"id="display_name-error""#),
            "{}",
            page.body
        );
        assert!(page.body.contains(says), "{says}: {}", page.body);
        assert!(page.body.contains(r#"aria-invalid="true""#));
        if typed != "Bad\0Name" {
            assert_eq!(input_value(&page, "display_name"), typed);
        }
    }
    // Nothing was saved: payers still see the account id.
    let name = app
        .store
        .account_display_name(&app.keys.account_id)
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some(app.keys.account_id.as_str()));
    // In Thai, the problem is told in Thai.
    let thai = browser
        .get("/dashboard/lang?to=th&back=/dashboard/settings")
        .await;
    assert_eq!(thai.status, StatusCode::SEE_OTHER);
    let cookie = thai.headers["set-cookie"].to_str().unwrap();
    let lang = cookie.split(';').next().unwrap().to_owned();
    let response = app
        .client
        .post(app.url("/dashboard/settings/display-name"))
        .header(
            "cookie",
            format!(
                "paylink_session={}; {lang}",
                browser.cookie.as_ref().unwrap()
            ),
        )
        .form(&[("display_name", ""), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("ชื่อต้องไม่ว่าง"));
}

async fn an_api_version_change_is_seen_by_the_api() {
    let app = TestApp::spawn().await;
    let browser = signed_in(&app, app.sk()).await;
    let page = browser.get("/dashboard/settings").await;
    assert!(page.body.contains(r#"value="2019-05-29" checked"#));
    let csrf = page.csrf();
    for bad in ["2020-01-01", ""] {
        let page = browser
            .post(
                "/dashboard/settings/api-version",
                &[("api_version", bad), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(page.body.contains(r#"id="api_version-error""#));
    }
    assert_eq!(api_version(&app, app.sk()).await, "2019-05-29");

    let saved = browser
        .post(
            "/dashboard/settings/api-version",
            &[("api_version", "2015-11-17"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location(),
        "/dashboard/settings?done=api-version#api-version-section"
    );
    assert_eq!(api_version(&app, app.sk()).await, "2015-11-17");
    // For the session's mode only.
    assert_eq!(
        api_version(&app, &app.keys.secret_key_live).await,
        "2019-05-29"
    );
    let page = browser.get(saved.location()).await;
    assert!(page.body.contains("API version saved."));
    assert!(page.body.contains(r#"value="2015-11-17" checked"#));

    // And back, from the live session for live mode.
    let live = signed_in(&app, &app.keys.secret_key_live).await;
    let csrf = live.get("/dashboard/settings").await.csrf();
    let saved = live
        .post(
            "/dashboard/settings/api-version",
            &[("api_version", "2015-11-17"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        api_version(&app, &app.keys.secret_key_live).await,
        "2015-11-17"
    );
}

async fn rolled_keys_work_the_old_ones_are_refused_and_sessions_end() {
    let app = TestApp::spawn().await;
    let mut browser = signed_in(&app, app.sk()).await;
    let other = signed_in(&app, app.sk()).await;
    let live = signed_in(&app, &app.keys.secret_key_live).await;
    let page = browser.get("/dashboard/settings").await;
    // No key is shown, not even a public one: they are stored hashed.
    for key in [
        app.pk(),
        app.sk(),
        &app.keys.public_key_live,
        &app.keys.secret_key_live,
    ] {
        assert!(!page.body.contains(key));
    }
    assert!(page.body.contains("shown once"));
    let csrf = page.csrf();

    // Not confirmed: nothing changes.
    let refused = browser
        .post("/dashboard/settings/keys/roll", &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains(r#"id="understood-error""#));
    assert_eq!(api_version(&app, app.sk()).await, "2019-05-29");
    assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);

    let rolled = browser
        .post(
            "/dashboard/settings/keys/roll",
            &[("understood", "yes"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(rolled.status, StatusCode::OK, "{}", rolled.body);
    assert_eq!(rolled.headers["cache-control"], "no-store");
    let cookie = rolled.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("paylink_session=;"), "{cookie}");
    let new_pk = input_value(&rolled, "new-pkey-test");
    let new_sk = input_value(&rolled, "new-skey-test");
    let new_pk_live = input_value(&rolled, "new-pkey-live");
    let new_sk_live = input_value(&rolled, "new-skey-live");
    assert!(new_pk.starts_with("pkey_test_") && new_sk.starts_with("skey_test_"));
    assert!(new_pk_live.starts_with("pkey_") && !new_pk_live.contains("_test_"));
    assert!(new_sk_live.starts_with("skey_") && !new_sk_live.contains("_test_"));
    assert_ne!(new_sk, app.sk());
    assert!(rolled.body.contains("only time they are shown"));
    assert!(rolled.body.contains("Sign in again"));
    assert!(rolled.body.contains(r#"href="/dashboard/sign-in""#));
    assert!(rolled.body.contains(r#"action="/dashboard/sign-in""#));
    // The frame's navigation is not offered: the session has ended.
    assert!(!rolled.body.contains(r#"action="/dashboard/sign-out""#));

    // The new keys work on the API; the old ones are refused.
    assert_eq!(api_version(&app, &new_sk).await, "2019-05-29");
    assert_eq!(api_version(&app, &new_sk_live).await, "2019-05-29");
    for old in [app.sk(), app.keys.secret_key_live.as_str()] {
        send(app.request(Method::GET, "/account", old))
            .await
            .assert_error(401, "authentication_failure");
    }
    let token = |key: String| {
        let app = &app;
        async move {
            send(
                app.request(Method::POST, "/tokens", &key)
                    .json(&json!({"card": card_fields("4242424242424242")})),
            )
            .await
        }
    };
    token(new_pk.clone()).await.assert_ok();
    token(app.pk().to_owned())
        .await
        .assert_error(401, "authentication_failure");

    // Every session the old keys made has ended, in both modes.
    for session in [&browser, &other, &live] {
        let page = session.get("/dashboard").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location(), "/dashboard/sign-in");
    }
    // The old key no longer signs in; the new one does, and the keys are
    // not shown again.
    assert_eq!(
        browser.sign_in(app.sk()).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(browser.sign_in(&new_sk).await.status, StatusCode::SEE_OTHER);
    let page = browser.get("/dashboard/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    for key in [&new_pk, &new_sk, &new_pk_live, &new_sk_live] {
        assert!(!page.body.contains(key.as_str()));
    }
}

async fn a_reset_needs_the_word_and_deletes_test_data_only() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    app.pay_ok(&link, "4242424242424242").await;
    let live_link = app
        .create_link_with(
            &app.keys.secret_key_live,
            json!({"amount": 5000, "currency": "THB", "title": "Live one", "description": ""}),
        )
        .await;
    let browser = signed_in(&app, app.sk()).await;
    let page = browser.get("/dashboard/settings").await;
    assert!(
        page.body
            .contains(r#"action="/dashboard/settings/reset#reset""#)
    );
    assert!(page.body.contains("RESET"));
    let csrf = page.csrf();
    for wrong in ["", "reset please", "RESE"] {
        let page = browser
            .post(
                "/dashboard/settings/reset",
                &[("confirm", wrong), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{wrong}");
        assert!(page.body.contains(r#"id="confirm-error""#));
        assert!(page.body.contains("nothing was deleted"));
        assert_eq!(input_value(&page, "confirm"), wrong);
    }
    assert_eq!(app.get("/links").await.assert_ok()["total"], 1);
    assert_eq!(app.get("/charges").await.assert_ok()["total"], 1);

    let done = browser
        .post(
            "/dashboard/settings/reset",
            &[("confirm", " RESET "), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(
        done.location()
            .starts_with("/dashboard/settings?done=reset&links=1&charges=1&refunds=0"),
        "{}",
        done.location()
    );
    let page = browser.get(done.location()).await;
    assert!(page.body.contains("Test data deleted."));
    assert!(done.location().ends_with("#reset"), "{}", done.location());
    assert_eq!(app.get("/links").await.assert_ok()["total"], 0);
    assert_eq!(app.get("/charges").await.assert_ok()["total"], 0);
    // Live mode is untouched, and the session goes on.
    let live_id = live_link["id"].as_str().unwrap();
    let kept = send(app.request(
        Method::GET,
        &format!("/links/{live_id}"),
        &app.keys.secret_key_live,
    ))
    .await;
    assert_eq!(kept.assert_ok()["deleted"], false);
    assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);

    // A live session has no reset, and its POST is 404.
    let live = signed_in(&app, &app.keys.secret_key_live).await;
    let page = live.get("/dashboard/settings").await;
    assert!(!page.body.contains("/dashboard/settings/reset"));
    assert!(!page.body.contains("RESET"));
    let refused = live
        .post(
            "/dashboard/settings/reset",
            &[("confirm", "RESET"), ("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let kept = send(app.request(Method::GET, "/links", &app.keys.secret_key_live)).await;
    assert_eq!(kept.assert_ok()["total"], 1);
}

async fn settings_forms_without_the_sessions_token_change_nothing() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    app.pay_ok(&link, "4242424242424242").await;
    let mine = signed_in(&app, app.sk()).await;
    let other = signed_in(&app, app.sk()).await;
    let foreign = other.csrf().await;
    let forms: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "/dashboard/settings/display-name",
            vec![("display_name", "Changed")],
        ),
        (
            "/dashboard/settings/api-version",
            vec![("api_version", "2015-11-17")],
        ),
        ("/dashboard/settings/keys/roll", vec![("understood", "yes")]),
        ("/dashboard/settings/reset", vec![("confirm", "RESET")]),
    ];
    for (path, fields) in &forms {
        for csrf in ["", "nonsense", foreign.as_str()] {
            let mut form = fields.clone();
            if !csrf.is_empty() {
                form.push(("csrf", csrf));
            }
            let page = mine.post(path, &form).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} {csrf:?}");
            assert!(page.headers.get("set-cookie").is_none());
        }
    }
    // Nothing changed: the name, the version, the keys, the sessions and
    // the test data are as they were.
    let name = app
        .store
        .account_display_name(&app.keys.account_id)
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some(app.keys.account_id.as_str()));
    assert_eq!(api_version(&app, app.sk()).await, "2019-05-29");
    assert_eq!(app.get("/links").await.assert_ok()["total"], 1);
    assert_eq!(app.get("/charges").await.assert_ok()["total"], 1);
    assert_eq!(mine.get("/dashboard").await.status, StatusCode::OK);
    assert_eq!(other.get("/dashboard").await.status, StatusCode::OK);
    // Signed out, a form is sent to the sign-in page and changes nothing.
    let stranger = Browser::new(&app);
    let page = stranger
        .post("/dashboard/settings/reset", &[("confirm", "RESET")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/dashboard/sign-in");
    assert_eq!(app.get("/links").await.assert_ok()["total"], 1);
}
