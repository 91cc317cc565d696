//! Attacks from outside: parameters nested to crash the parser, clients that
//! stall or flood the server with connections, paths that do not decode.

use crate::cli::{Served, serve_with};
use crate::helpers::{TestApp, db_tests, send};
use reqwest::{Method, StatusCode};

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

/// `a[a][a]…=1`, nested `levels` deep.
fn deep_form(levels: usize) -> String {
    format!("a{}=1", "[a]".repeat(levels))
}

/// `[[[…]]]`, nested `levels` deep.
fn deep_json(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

/// Every route that takes parameters, with deep parameters in every way a
/// client sends them: the server answers each, and stays up.
async fn nesting_20000_levels_deep_is_refused_everywhere() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let id = link["id"].as_str().unwrap();
    let code = link["payment_uri"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let form = deep_form(20_000);
    let json_body = deep_json(20_000);
    let routes: Vec<(Method, String, &str)> = vec![
        (Method::POST, "/links".into(), app.sk()),
        (Method::GET, "/links".into(), app.sk()),
        (Method::GET, format!("/links/{id}/charges"), app.sk()),
        (Method::GET, "/charges".into(), app.sk()),
        (Method::POST, "/tokens".into(), app.pk()),
    ];
    for (method, path, key) in &routes {
        let as_form = send(
            app.request(method.clone(), path, key)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form.clone()),
        )
        .await;
        as_form.assert_error(400, "bad_request");
        assert!(
            as_form.body["message"]
                .as_str()
                .unwrap()
                .contains("nested too deeply")
        );
        let in_query = send(app.request(method.clone(), &format!("{path}?{form}"), key)).await;
        in_query.assert_error(400, "bad_request");
        let as_json = send(
            app.request(method.clone(), path, key)
                .header("content-type", "application/json")
                .body(json_body.clone()),
        )
        .await;
        as_json.assert_error(400, "bad_request");
    }
    // Routes that read no parameter still answer, and nothing crashed.
    for path in [format!("/links/{id}"), format!("/charges/{charge}")] {
        let reply = send(app.request(Method::GET, &format!("{path}?{form}"), app.sk())).await;
        assert!(reply.status.as_u16() < 500, "{}", reply.text);
    }
    // The payment page: its 400 page for a link, its 404 page for none.
    for (pay_code, expected) in [(code, 400), ("ANYTHING", 404)] {
        for body in [&form, &json_body] {
            let reply = app
                .client
                .post(app.url(&format!("/pay/{pay_code}")))
                .header(
                    "content-type",
                    if body == &form {
                        "application/x-www-form-urlencoded"
                    } else {
                        "application/json"
                    },
                )
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status().as_u16(), expected);
            assert!(
                reply.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html")
            );
        }
    }
    app.get("/healthz").await.assert_ok();
    // The real clients' nesting still works.
    let token = send(
        app.request(Method::POST, "/tokens", app.pk())
            .header("content-type", "application/x-www-form-urlencoded")
            .body("card[name]=A&card[number]=4242424242424242&card[expiration_month]=12&card[expiration_year]=2040&card[security_code]=123"),
    )
    .await;
    token.assert_ok();
}

/// Paths that are not UTF-8 get the page routes' 404 page and the API's
/// Omise error, never axum's plain text.
async fn undecodable_paths_answer_in_kind() {
    let app = TestApp::spawn().await;
    for path in ["/pay/%ff%fe", "/pay/%ff%fe/complete"] {
        let reply = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(reply.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            reply.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    for path in ["/assets/%ff", "/links/%ff%fe", "/charges/%ff"] {
        let reply = send(app.request(Method::GET, path, app.sk())).await;
        reply.assert_error(404, "not_found");
        assert_eq!(reply.headers["x-content-type-options"], "nosniff", "{path}");
    }
    let ok = app.get("/links").await;
    assert_eq!(ok.headers["x-content-type-options"], "nosniff");
}

/// One response read off a raw connection: its head, lower-cased, and body.
fn read_response(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut bytes = vec![];
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf).expect("a response");
        assert!(n > 0, "closed before a response: {bytes:?}");
        bytes.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map_or(0, |n| n.trim().parse().unwrap());
    let mut body = bytes[end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed inside a body");
        body.extend_from_slice(&buf[..n]);
    }
    (head, body)
}

/// A request head announcing `length` bytes of form body, and `sent` of them.
fn with_body(method: &str, path: &str, key: &str, length: usize, sent: usize) -> Vec<u8> {
    use base64::Engine;
    let auth = if key.is_empty() {
        String::new()
    } else {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
        format!("Authorization: Basic {basic}\r\n")
    };
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    )
    .into_bytes();
    request.extend(std::iter::once(b'a').chain(std::iter::once(b'=')));
    request.extend(std::iter::repeat_n(b'x', sent.saturating_sub(2)));
    request
}

/// Sends `request` from a thread of its own (a server that stops reading
/// must not block the test) and reads the answer.
fn exchange(stream: &TcpStream, request: Vec<u8>) -> (String, Vec<u8>) {
    let mut writer = stream.try_clone().unwrap();
    let sending = std::thread::spawn(move || {
        let _ = writer.write_all(&request);
    });
    let answer = read_response(&mut stream.try_clone().unwrap());
    sending.join().unwrap();
    answer
}

/// A handler that answers without reading the whole body leaves the rest
/// to the server: it reads it and keeps the connection, or, when the rest
/// is too big or does not come, says `Connection: close` and closes it. A
/// client reusing a kept connection never finds it closed under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_left_unread_keeps_its_connection_or_says_it_closes() {
    let app = TestApp::spawn().await;
    let host = app.base.trim_start_matches("http://").to_owned();
    let sk = app.sk().to_owned();
    tokio::task::spawn_blocking(move || {
        let connect = || {
            let stream = TcpStream::connect(&host).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream
        };
        let healthz = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
        // Unread (no key: 401 before any parameter), or read only up to the
        // limit (413): within the limit, the rest is read and the
        // connection serves the next request.
        for (method, path, key, length, status) in [
            ("GET", "/charges/chrg_test_x", "", 30_000, "401"),
            ("POST", "/links", sk.as_str(), 100_000, "413"),
        ] {
            let stream = connect();
            let (head, _) = exchange(&stream, with_body(method, path, key, length, length));
            assert!(head.starts_with(&format!("http/1.1 {status}")), "{head}");
            assert!(!head.contains("connection: close"), "{head}");
            let (next, _) = exchange(&stream, healthz.clone());
            assert!(next.starts_with("http/1.1 200"), "{next}");
        }
        // Past the limit, or a body that stops coming: the answer says the
        // connection closes, and it does.
        for (length, sent) in [(200_000, 200_000), (1_000_000, 100), (50_000, 100)] {
            let stream = connect();
            let started = Instant::now();
            let request = with_body("GET", "/charges/chrg_test_x", "", length, sent);
            let (head, body) = exchange(&stream, request);
            assert!(head.starts_with("http/1.1 401"), "{head}");
            assert!(head.contains("connection: close"), "{head}");
            assert!(!body.is_empty());
            assert!(started.elapsed() < Duration::from_secs(5));
            closed_after(stream, Duration::from_secs(5));
        }
    })
    .await
    .unwrap();
}

db_tests!(
    nesting_20000_levels_deep_is_refused_everywhere,
    undecodable_paths_answer_in_kind
);

fn database(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("hardening.db").display())
}

fn host(served: &Served) -> String {
    served.addr.trim_start_matches("http://").to_owned()
}

/// Waits until the server closes `stream`; how long that took.
fn closed_after(mut stream: TcpStream, limit: Duration) -> Duration {
    let start = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return start.elapsed(),
            Err(e) => panic!("the server did not close the connection within {limit:?}: {e}"),
        }
    }
}

fn healthz(host: &str) -> u16 {
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn stalled_and_idle_clients_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve_with(
        &database(&dir),
        &["--header-timeout", "1s", "--keep-alive-timeout", "10s"],
    );
    let host = host(&server);
    // Half a request head, then one byte now and then: the head's deadline
    // holds however the bytes trickle in.
    let mut half = TcpStream::connect(&host).unwrap();
    write!(half, "GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    let trickle = std::thread::spawn({
        let mut half = half.try_clone().unwrap();
        move || {
            for _ in 0..20 {
                std::thread::sleep(Duration::from_millis(200));
                if half.write_all(b"X").is_err() {
                    break;
                }
            }
        }
    });
    let waited = closed_after(half, Duration::from_secs(5));
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    trickle.join().unwrap();
    drop(server);

    // A kept-alive connection that goes quiet is closed after its timeout.
    let server = serve_with(
        &database(&dir),
        &["--header-timeout", "30s", "--keep-alive-timeout", "1s"],
    );
    let host = crate::hardening::host(&server);
    let mut kept = TcpStream::connect(&host).unwrap();
    write!(kept, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut first = [0u8; 12];
    kept.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let waited = closed_after(kept, Duration::from_secs(5));
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    // A connection that never sends a byte, too.
    let silent = TcpStream::connect(&host).unwrap();
    let waited = closed_after(silent, Duration::from_secs(5));
    assert!(waited < Duration::from_secs(3), "{waited:?}");
}

#[test]
fn healthz_answers_while_the_connection_cap_is_reached() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve_with(
        &database(&dir),
        &[
            "--max-connections",
            "8",
            "--keep-alive-timeout",
            "60s",
            "--header-timeout",
            "60s",
        ],
    );
    let host = host(&server);
    let mut idle: Vec<TcpStream> = (0..40)
        .map(|_| TcpStream::connect(&host).unwrap())
        .collect();
    for stream in idle.iter_mut().step_by(2) {
        // Half of them stall inside a request head.
        write!(stream, "GET /healthz HTTP/1.1\r\n").unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..5 {
        assert_eq!(healthz(&host), 200);
    }
    // The longest-idle connections made way: most of the flood is closed.
    let closed = idle
        .into_iter()
        .filter(|s| {
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            match (&*s).read(&mut [0u8; 1]) {
                Ok(0) => true,
                Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
                Ok(_) => false,
            }
        })
        .count();
    assert!(closed >= 30, "{closed} of 40 closed");
}

#[test]
fn sigterm_stops_within_the_grace_period_despite_a_stalled_client() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve_with(
        &database(&dir),
        &[
            "--header-timeout",
            "60s",
            "--keep-alive-timeout",
            "60s",
            "--request-timeout",
            "60s",
            "--shutdown-grace",
            "1s",
        ],
    );
    let host = host(&server);
    // One client stalls in its head, another in its body.
    let mut head = TcpStream::connect(&host).unwrap();
    write!(head, "GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut body = TcpStream::connect(&host).unwrap();
    write!(
        body,
        "POST /pay/ABC HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntoken="
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    drop((head, body));
}

#[test]
fn a_slow_body_gets_408() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve_with(&database(&dir), &["--request-timeout", "1s"]);
    let host = host(&server);
    let mut stream = TcpStream::connect(&host).unwrap();
    write!(
        stream,
        "POST /pay/ABC HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntoken="
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut response = vec![0u8; 4096];
    let n = stream.read(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":\"request_timeout\""), "{text}");
}
