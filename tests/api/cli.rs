//! The command line, run as a user runs it.

use base64::Engine;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

fn paylink() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_paylink"));
    command
        .env_remove("PAYLINK_DATABASE_URL")
        .env_remove("PAYLINK_ADDR")
        .env_remove("PAYLINK_PUBLIC_URL");
    command
}

pub fn run(args: &[&str]) -> (bool, String, String) {
    let output = paylink().args(args).output().expect("paylink runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `paylink account create --json` on `database`: the new account's keys.
pub fn new_account(database: &str) -> Value {
    let (ok, stdout, stderr) = run(&["account", "create", "--database", database, "--json"]);
    assert!(ok, "{stderr}");
    serde_json::from_str(stdout.trim()).expect("one JSON object")
}

/// A running `paylink serve`, stopped when dropped.
pub struct Served {
    pub child: Child,
    pub addr: String,
    pub printed: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `paylink serve` on a free port and waits for its address.
pub fn serve(database: &str) -> Served {
    serve_with(database, &[])
}

/// `serve` with more flags.
pub fn serve_with(database: &str, flags: &[&str]) -> Served {
    let mut child = paylink()
        .args(["serve", "--addr", "127.0.0.1:0", "--database", database])
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().unwrap();
    let mut printed = String::new();
    let mut served = Served {
        child,
        addr: String::new(),
        printed: String::new(),
    };
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        printed.push_str(&line);
        printed.push('\n');
        if let Some(addr) = line.strip_prefix("paylink listening on ") {
            served.addr = addr.trim().to_owned();
            served.printed = printed;
            return served;
        }
    }
    panic!("serve did not start: {printed}");
}

/// The status of a GET with a Basic key, over a plain socket: the CLI
/// tests are synchronous, like a user's shell.
pub fn status(url: &str, key: &str) -> u16 {
    get(url, key).0
}

/// A GET with a Basic key over a plain socket: the status and the body.
pub fn get(url: &str, key: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {auth}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    (status, body)
}

#[test]
fn account_create_prints_four_keys_and_roll_keys_replaces_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let (ok, stdout, stderr) = run(&["account", "create", "--database", &db, "--json"]);
    assert!(ok, "{stderr}");
    let keys: Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    let account = keys["account_id"].as_str().unwrap().to_owned();
    assert!(account.starts_with("acct_"));
    for (field, prefix) in [
        ("public_key_test", "pkey_test_"),
        ("secret_key_test", "skey_test_"),
        ("public_key_live", "pkey_"),
        ("secret_key_live", "skey_"),
    ] {
        assert!(keys[field].as_str().unwrap().starts_with(prefix), "{field}");
    }
    let plain = run(&["account", "create", "--database", &db]);
    assert!(plain.0 && plain.1.contains("secret key test:") && plain.1.contains("acct_"));

    // Keys are stored hashed: the plain key is nowhere in the database file.
    let bytes = std::fs::read(dir.path().join("cli.db")).unwrap();
    let secret = keys["secret_key_test"].as_str().unwrap();
    assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));

    let server = serve(&db);
    assert!(
        !server.printed.contains("Created an account"),
        "an existing account is kept"
    );
    let url = format!("{}/links", server.addr);
    assert_eq!(status(&url, secret), 200);
    let (ok, stdout, stderr) = run(&[
        "account",
        "roll-keys",
        &account,
        "--database",
        &db,
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let rolled: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(status(&url, secret), 401, "the old key stops working");
    assert_eq!(
        status(&url, rolled["secret_key_test"].as_str().unwrap()),
        200
    );
    drop(server);

    let (ok, _, stderr) = run(&["account", "roll-keys", "acct_nobody", "--database", &db]);
    assert!(!ok && stderr.contains("no account"));
}

#[test]
fn serve_creates_and_migrates_a_fresh_database_and_prints_test_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let mut server = serve(&db);
    let addr = server.addr.clone();
    assert!(
        server.printed.contains("Created an account"),
        "{}",
        server.printed
    );
    let key = server
        .printed
        .lines()
        .find_map(|l| l.strip_prefix("secret key test:"))
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(status(&format!("{addr}/links"), &key), 200);
    assert_eq!(status(&format!("{addr}/healthz"), ""), 200);
    // SIGTERM: a graceful stop with exit status 0.
    Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    // Restarting on the same file keeps the account: no new keys printed.
    let again = serve(&db);
    assert!(!again.printed.contains("Created an account"));
    assert_eq!(status(&format!("{}/links", again.addr), &key), 200);
}

#[test]
fn the_first_start_names_its_account_so_payers_never_read_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("named.db").display());
    let server = serve(&db);
    assert!(
        server
            .printed
            .contains("Created an account named \"My shop\""),
        "{}",
        server.printed
    );
    let secret = |printed: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix("secret key test:"))
            .unwrap()
            .trim()
            .to_owned()
    };
    let (_, body) = get(
        &format!("{}/account", server.addr),
        &secret(&server.printed),
    );
    let account: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(account["display_name"], "My shop");

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("pets.db").display());
    let server = serve_with(&db, &["--account-name", "  Somchai's Pets "]);
    let (_, body) = get(
        &format!("{}/account", server.addr),
        &secret(&server.printed),
    );
    let account: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(account["display_name"], "Somchai's Pets");
    // A name the API would refuse is refused before anything is created.
    let (ok, _, stderr) = run(&["serve", "--database", &db, "--account-name", " "]);
    assert!(!ok && stderr.contains("display_name"), "{stderr}");
}

#[test]
fn migrate_and_bad_urls() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let (ok, stdout, _) = run(&["migrate", "--database", &db]);
    assert!(ok && stdout.contains("up to date"));
    assert!(dir.path().join("m.db").exists());
    let (ok, _, stderr) = run(&["migrate", "--database", "mysql://localhost/x"]);
    assert!(!ok);
    assert!(stderr.contains("unsupported database URL"), "{stderr}");
    // The whole URL is quoted, its password masked, with what is taken.
    let (ok, _, stderr) = run(&[
        "migrate",
        "--database",
        "mysql://shop:hunter2@db.example:3306/shop",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains(r#"unsupported database URL "mysql://shop:***@db.example:3306/shop""#),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(
        stderr.contains("sqlite://PATH") && stderr.contains("postgres://"),
        "{stderr}"
    );
    let memory = run(&[
        "account",
        "create",
        "--database",
        "sqlite::memory:",
        "--json",
    ]);
    assert!(memory.0, "{}", memory.2);
}

/// What `paylink serve` says when it cannot start.
fn serve_fails(args: &[&str]) -> String {
    let mut full = vec!["serve"];
    full.extend_from_slice(args);
    let (ok, stdout, stderr) = run(&full);
    assert!(!ok, "serve {args:?} started: {stdout}");
    assert!(
        !stdout.contains("shown only this once"),
        "keys printed by a server that did not start: {stdout}"
    );
    stderr
}

#[test]
fn a_taken_port_prints_no_keys() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let stderr = serve_fails(&["--addr", &addr, "--database", &db]);
    assert!(stderr.contains("cannot listen on"), "{stderr}");
}

#[test]
fn bad_settings_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = |p: &str| dir.path().join(p).display().to_string();
    std::fs::create_dir(dir.path().join("adir")).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--database".into(),
                format!("sqlite://{}", path("missing/x.db")),
            ],
            "does not exist",
        ),
        (
            vec!["--database".into(), format!("sqlite://{}", path("adir"))],
            "is a directory",
        ),
        (
            vec!["--database".into(), "sqlite://".into()],
            "names no file",
        ),
        (
            vec!["--database".into(), "paylink.db".into()],
            "did you mean sqlite://paylink.db",
        ),
        (
            vec![
                "--database".into(),
                "postgres://postgres@127.0.0.1:1/x".into(),
            ],
            "connection refused",
        ),
        (vec!["--addr".into(), "9000".into()], "127.0.0.1:8080"),
        (
            vec!["--public-url".into(), "pay.example.com".into()],
            "absolute http or https URL",
        ),
        (
            vec!["--public-url".into(), "not a url".into()],
            "absolute http or https URL",
        ),
    ];
    for (args, expected) in cases {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        if !args.contains(&"--database") {
            args.extend(["--database", "sqlite::memory:"]);
        }
        if !args.contains(&"--addr") {
            args.extend(["--addr", "127.0.0.1:0"]);
        }
        let stderr = serve_fails(&args);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    // The path is named, with the cause.
    let missing = format!("sqlite://{}", path("missing/x.db"));
    let stderr = serve_fails(&["--database", &missing, "--addr", "127.0.0.1:0"]);
    assert!(stderr.contains(&path("missing/x.db")), "{stderr}");
}

#[test]
fn logs_are_plain_in_a_pipe_and_json_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("logs.db").display());
    for json in [false, true] {
        let mut command = paylink();
        command.args(["serve", "--addr", "127.0.0.1:0", "--database", &db]);
        if json {
            command.args(["--log-format", "json"]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("paylink listening on") {
                break;
            }
        }
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        child.wait().unwrap();
        assert!(stderr.contains("paylink listening"), "{stderr}");
        assert!(
            !stderr.contains('\u{1b}'),
            "colour codes in a pipe: {stderr:?}"
        );
        if json {
            for line in stderr.lines() {
                let parsed: Value = serde_json::from_str(line).expect(line);
                assert!(parsed["level"].is_string(), "{line}");
            }
        }
    }
}

#[test]
fn a_second_interrupt_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("int.db").display());
    let mut server = crate::cli::serve_with(
        &db,
        &["--shutdown-grace", "60s", "--request-timeout", "60s"],
    );
    let host = server.addr.trim_start_matches("http://").to_owned();
    // A request whose body never comes holds the graceful shutdown.
    let mut stalled = TcpStream::connect(&host).unwrap();
    write!(
        stalled,
        "POST /pay/ABC HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nto"
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = server.child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "waits for the request"
    );
    let start = std::time::Instant::now();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            start.elapsed().as_secs() < 5,
            "the second interrupt did not end it"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(exit.code(), Some(130));
    drop(stalled);
}

/// The commands `--help` is checked for.
const COMMANDS: [&[&str]; 11] = [
    &[],
    &["serve"],
    &["migrate"],
    &["account"],
    &["account", "create"],
    &["account", "webhook"],
    &["account", "webhook-secret"],
    &["account", "roll-keys"],
    &["export"],
    &["import"],
    &["pay"],
];

/// The entries of a long help's `Arguments:` and `Options:` sections that
/// have no description: clap puts it on the line after the entry.
fn undescribed(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help.lines().collect();
    let mut missing = vec![];
    let mut in_list = false;
    for (i, line) in lines.iter().enumerate() {
        if !line.starts_with(' ') {
            in_list = matches!(line.trim_end(), "Arguments:" | "Options:");
            continue;
        }
        let entry = line.trim_start();
        let indent = line.len() - entry.len();
        if in_list && indent <= 6 && (entry.starts_with('-') || entry.starts_with('<')) {
            let next = lines.get(i + 1).map_or("", |l| l.trim());
            if next.is_empty() || next.starts_with('[') {
                missing.push(entry.to_owned());
            }
        }
    }
    missing
}

#[test]
fn every_command_explains_itself_with_examples() {
    for command in COMMANDS {
        let mut args = command.to_vec();
        args.push("--help");
        let (ok, help, stderr) = run(&args);
        assert!(ok, "{args:?}: {stderr}");
        assert_eq!(
            undescribed(&help),
            Vec::<String>::new(),
            "{args:?}:\n{help}"
        );
        let examples = help
            .split_once("\nExamples:\n")
            .map(|(_, examples)| examples)
            .unwrap_or_else(|| panic!("{args:?} has no examples:\n{help}"));
        let invoked = format!("paylink {}", command.join(" "));
        assert!(
            examples
                .lines()
                .any(|l| l.trim().starts_with(invoked.trim_end())),
            "{args:?}: no example runs {invoked}:\n{help}"
        );
    }
    // What they are asked for most.
    let (_, webhook, _) = run(&["account", "webhook", "--help"]);
    assert!(webhook.contains("The account's id"), "{webhook}");
    assert!(webhook.contains("Whose events"), "{webhook}");
    // Only a server's requests wait for a connection.
    for one_shot in [
        &["migrate"][..],
        &["account", "create"],
        &["account", "roll-keys"],
        &["export"],
        &["import"],
    ] {
        let mut args = one_shot.to_vec();
        args.push("--help");
        let (_, help, _) = run(&args);
        assert!(
            !help.contains("--db-acquire-timeout-ms"),
            "{args:?}:\n{help}"
        );
        assert!(help.contains("--db-max-connections"), "{args:?}:\n{help}");
    }
    let (_, serve, _) = run(&["serve", "--help"]);
    assert!(serve.contains("--db-acquire-timeout-ms"), "{serve}");
    assert!(
        serve.contains("creates one and") && serve.contains("prints its id and four keys"),
        "{serve}"
    );
    // The flag is gone from one-shot commands, its variable still reaches serve.
    let (ok, _, stderr) = run(&[
        "migrate",
        "--db-acquire-timeout-ms",
        "10",
        "--database",
        "sqlite::memory:",
    ]);
    assert!(
        !ok && stderr.contains("--db-acquire-timeout-ms"),
        "{stderr}"
    );
}
