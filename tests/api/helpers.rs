//! `TestApp`: the real server on port 0 over a fresh database, with an
//! account's keys and an HTTP client that talks as the official clients do.

use paylink::accounts::{AccountKeys, create_account};
use paylink::config::ServeConfig;
use paylink::domain::Mode;
use paylink::domain::card::{CardInput, validate};
use paylink::domain::charge::{Charge, StoredCard, Token};
use paylink::domain::id::{Kind, new_id};
use paylink::domain::link::Link;
use paylink::domain::list::Micros;
use paylink::domain::money::Currency;
use paylink::server::Server;
use paylink::store::{Payment, Store, connect};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use std::sync::Arc;

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

tokio::task_local! {
    static CURRENT_DB: Db;
}

/// Runs a test body with `TestApp`s on `db`.
pub async fn on<F: std::future::Future<Output = ()>>(db: Db, test: F) {
    if db == Db::Postgres && postgres_url().is_none() {
        return;
    }
    CURRENT_DB.scope(db, test).await
}

/// Whether this run is CI's: `CI` set to anything but empty, `0`, `false`
/// or `no` (build.rs applies the same rule). In CI a missing service fails
/// the run; elsewhere its tests are marked ignored, with the reason.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "no"
        )
    })
}

/// The server PostgreSQL tests create their databases in. In CI it must be
/// set: a missing PostgreSQL fails the run, it never skips it.
pub fn postgres_url() -> Option<String> {
    match std::env::var("PAYLINK_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if in_ci() => {
            panic!("PAYLINK_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL suite")
        }
        _ => {
            eprintln!("SKIPPED: PostgreSQL test (set PAYLINK_TEST_POSTGRES_URL to run it)");
            None
        }
    }
}

/// Generates, for each named test body, one test per database:
/// `module::sqlite::name` and `module::postgres::name`.
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::helpers::on($crate::helpers::Db::Sqlite, super::$name()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(paylink_no_postgres, ignore = "needs PostgreSQL: set PAYLINK_TEST_POSTGRES_URL")]
                async fn $name() {
                    $crate::helpers::on($crate::helpers::Db::Postgres, super::$name()).await
                }
            )*
        }
    };
}
pub(crate) use db_tests;

/// A fresh PostgreSQL database, dropped when the test ends.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create(admin_url: &str) -> PgDatabase {
        let name = format!("paylink_test_{}", paylink::domain::id::random_suffix());
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url)
            .await
            .expect("PostgreSQL is reachable at PAYLINK_TEST_POSTGRES_URL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("test database is created");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(base, _)| base);
        PgDatabase {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on a
        // future: a thread of its own does the clean-up.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) =
                    <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await
                {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

pub struct TestApp {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub keys: AccountKeys,
    pub client: reqwest::Client,
    pub database_url: String,
    pub db: Db,
    _pg: Option<PgDatabase>,
    _dir: tempfile::TempDir,
}

/// A response: status, headers and the body as JSON (Null if not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// Asserts an Omise error object with this status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(self.body["object"], "error", "body: {}", self.text);
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        let location = format!("https://www.omise.co/api-errors#{}", code.replace('_', "-"));
        assert_eq!(self.body["location"], location.as_str());
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(
            self.headers["content-type"], "application/json; charset=utf-8",
            "errors are JSON"
        );
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.text);
        assert_eq!(
            self.headers["content-type"],
            "application/json; charset=utf-8"
        );
        &self.body
    }
}

pub async fn send(request: RequestBuilder) -> Reply {
    let response = request.send().await.expect("request is sent");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body is read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Starts a server; `adjust` may change the configuration first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut ServeConfig)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = CURRENT_DB.try_with(|db| *db).unwrap_or(Db::Sqlite);
        let pg = match db {
            Db::Sqlite => None,
            Db::Postgres => {
                let admin = postgres_url().expect("PostgreSQL tests run under helpers::on");
                Some(PgDatabase::create(&admin).await)
            }
        };
        let url = match &pg {
            Some(pg) => pg.url.clone(),
            None => format!("sqlite://{}", dir.path().join("paylink.db").display()),
        };
        let mut app = TestApp::spawn_on(&url, adjust).await;
        app.db = db;
        app._pg = pg;
        app._dir = dir;
        app
    }

    /// Starts a server on the database at `url`, which must exist.
    pub async fn spawn_on(url: &str, adjust: impl FnOnce(&mut ServeConfig)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = if url.starts_with("postgres") {
            Db::Postgres
        } else {
            Db::Sqlite
        };
        let pg = None;
        let mut config = ServeConfig::new("127.0.0.1:0".parse().unwrap(), url);
        adjust(&mut config);
        let store = connect(
            &config.database.database_url,
            &config.database.pool_settings(),
        )
        .await
        .expect("store opens");
        let keys = create_account(store.as_ref()).await.expect("account");
        let server = Server::bind(&config, store.clone()).await.expect("binds");
        let base = format!("http://{}", server.local_addr);
        tokio::spawn(server.run(std::future::pending()));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base,
            store,
            keys,
            client,
            database_url: config.database.database_url.clone(),
            db,
            _pg: pg,
            _dir: dir,
        }
    }

    /// Runs a statement on the server's database behind its back.
    pub async fn execute_sql(&self, sql: &str) {
        match self.db {
            Db::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.database_url).await.unwrap();
                sqlx::query(sql).execute(&pool).await.unwrap();
                pool.close().await;
            }
            Db::Postgres => {
                let pool = sqlx::PgPool::connect(&self.database_url).await.unwrap();
                sqlx::query(sql).execute(&pool).await.unwrap();
                pool.close().await;
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request authenticated with `key` (empty password, as clients send).
    pub fn request(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .basic_auth(key, Some(""))
    }

    pub fn sk(&self) -> &str {
        &self.keys.secret_key_test
    }

    pub fn pk(&self) -> &str {
        &self.keys.public_key_test
    }

    pub async fn get(&self, path: &str) -> Reply {
        send(self.request(Method::GET, path, self.sk())).await
    }

    /// Creates a link with a JSON body and returns it.
    pub async fn create_link(&self, body: Value) -> Value {
        self.create_link_with(self.sk(), body).await
    }

    pub async fn create_link_with(&self, key: &str, body: Value) -> Value {
        let reply = send(self.request(Method::POST, "/links", key).json(&body)).await;
        reply.assert_ok().clone()
    }

    pub async fn thb_link(&self, multiple: bool) -> Value {
        self.create_link(serde_json::json!({
            "amount": 100000, "currency": "THB", "title": "Order-384",
            "description": "New Product", "multiple": multiple,
        }))
        .await
    }

    /// A token for `number` made with the public key over HTTP.
    pub async fn token(&self, number: &str) -> String {
        let reply = send(
            self.request(Method::POST, "/tokens", self.pk())
                .json(&serde_json::json!({"card": card_fields(number)})),
        )
        .await;
        reply.assert_ok()["id"].as_str().unwrap().to_owned()
    }

    /// Pays a link's payment page with a token; returns the raw response.
    pub async fn pay(&self, link: &Value, token: &str) -> reqwest::Response {
        let uri = link["payment_uri"].as_str().unwrap();
        self.client
            .post(uri)
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
    }

    /// Pays and returns the charge id from the redirect.
    pub async fn pay_ok(&self, link: &Value, number: &str) -> String {
        let token = self.token(number).await;
        let response = self.pay(link, &token).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        location.split("charge=").nth(1).unwrap().to_owned()
    }

    /// Stores a link directly, created at `created_at`, for time windows.
    pub async fn seed_link(&self, created_at: Micros, multiple: bool) -> Link {
        let link = Link {
            id: new_id(Kind::Link, Mode::Test),
            account_id: self.keys.account_id.clone(),
            mode: Mode::Test,
            amount: 5000,
            currency: Currency::Thb,
            title: "Seeded".into(),
            description: String::new(),
            multiple,
            used_at: None,
            deleted_at: None,
            created_at,
            pending_charge_id: None,
        };
        self.store.insert_link(&link).await.unwrap();
        link
    }

    /// Pays a link through the store at a chosen time.
    pub async fn seed_charge(&self, link_id: &str, at: Micros) -> Charge {
        let card = validate(
            &CardInput {
                name: "Test Cardholder",
                number: "4242424242424242",
                expiration_month: 12,
                expiration_year: 2040,
                security_code: Some("123"),
            },
            (2026, 1),
            "salt",
        )
        .unwrap();
        let token = Token {
            id: new_id(Kind::Token, Mode::Test),
            account_id: self.keys.account_id.clone(),
            mode: Mode::Test,
            card: StoredCard::new(new_id(Kind::Card, Mode::Test), &card, None, None, at),
            outcome: card.outcome,
            used: false,
            created_at: at,
        };
        self.store.insert_token(&token).await.unwrap();
        let payment = Payment {
            charge_id: new_id(Kind::Charge, Mode::Test),
            link_id: link_id.to_owned(),
            token_id: token.id,
            ip: None,
            now: at,
            authorize_timeout: 15 * 60 * 1_000_000,
        };
        self.store.pay_link(&payment).await.unwrap().unwrap()
    }
}

/// The card fields of a valid card with this number.
pub fn card_fields(number: &str) -> Value {
    serde_json::json!({
        "name": "Test Cardholder",
        "number": number,
        "expiration_month": 12,
        "expiration_year": 2040,
        "security_code": if number.starts_with("34") || number.starts_with("37") { "1234" } else { "123" },
    })
}

/// Microseconds of an ISO 8601 time.
pub fn at(raw: &str) -> Micros {
    paylink::domain::list::parse_time(raw).unwrap()
}
