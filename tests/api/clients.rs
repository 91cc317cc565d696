//! The official Omise clients, unchanged, against the real server.
//!
//! The pinned PyPI and npm packages are installed once per run (a virtual
//! environment under the target dir, `npm ci` beside the node suite) and
//! run the suites in `tests/clients/`. A client that cannot be installed
//! fails the run: a skipped client would prove nothing.

use crate::helpers::TestApp;
use paylink::domain::Mode;
use paylink::domain::event::new_webhook_secret;
use paylink::store::SettingsChange;
use std::fs::File;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SUITES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients");

/// Long enough for a slow machine, short enough that a hung client (the
/// clients set no timeouts of their own) cannot stall CI.
const SUITE_LIMIT: Duration = Duration::from_secs(300);

/// What a finished command said.
pub(crate) struct Outcome {
    pub summary: String,
    pub success: bool,
    pub output: String,
}

/// Runs `command` to its end or the time limit, its output kept in files so
/// that a chatty child never blocks on a full pipe.
pub(crate) fn run(mut command: Command, limit: Duration) -> Outcome {
    let dir = tempfile::tempdir().expect("temp dir");
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    command
        .stdin(std::process::Stdio::null())
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"));
    let shown = format!("{command:?}");
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Outcome {
                summary: format!("{shown} could not start: {e}"),
                success: false,
                output: String::new(),
            };
        }
    };
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("child status") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    let output = format!("--- stdout\n{}--- stderr\n{}", read(&out), read(&err));
    match status {
        Some(status) => Outcome {
            summary: format!("{shown} exited with {status}"),
            success: status.success(),
            output,
        },
        None => Outcome {
            summary: format!("{shown} was stopped after {}s", limit.as_secs()),
            success: false,
            output,
        },
    }
}

/// Runs an install step; a failure stops the suite with its output.
pub(crate) fn install(command: Command, what: &str) {
    let outcome = run(command, Duration::from_secs(600));
    assert!(
        outcome.success,
        "cannot {what}, so the official client cannot be tested: {}\n{}",
        outcome.summary, outcome.output
    );
}

/// Where installs go: inside the target dir, so `cargo clean` removes them.
pub(crate) fn install_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("clients")
}

/// Held while `name` is installed: a file under the install dir, made
/// only if absent, so that test runners that run each test in a process of
/// its own (nextest) do not create the same environment at once and break
/// it. A file left by a killed run is taken over after ten minutes.
pub(crate) struct Installing(PathBuf);

pub(crate) fn installing(name: &str) -> Installing {
    let dir = install_dir();
    std::fs::create_dir_all(&dir).expect("the install dir can be made");
    let path = dir.join(format!("{name}.lock"));
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => return Installing(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let age = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok());
                if age.is_some_and(|age| age > Duration::from_secs(600)) {
                    let _ = std::fs::remove_file(&path);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("cannot make the install lock {}: {e}", path.display()),
        }
    }
}

impl Drop for Installing {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A virtual environment under the install dir named `name`, with the
/// pinned `requirements` installed; returns its `bin` directory.
pub(crate) fn venv(name: &str, requirements: &Path, what: &str) -> PathBuf {
    let venv = install_dir().join(name);
    let _installing = installing(name);
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let mut create = Command::new("python3");
        create.arg("-m").arg("venv").arg(&venv);
        install(
            create,
            "create a Python virtual environment (python3 -m venv)",
        );
    }
    let mut pip = Command::new(&python);
    pip.args(["-m", "pip", "install", "--disable-pip-version-check"])
        .args(["--no-input", "--quiet", "--requirement"])
        .arg(requirements);
    install(
        pip,
        &format!(
            "install {what} (if {} is broken, delete it)",
            venv.display()
        ),
    );
    venv.join("bin")
}

/// The virtual environment's python, with `omise` from PyPI installed.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        venv(
            "venv",
            &Path::new(SUITES).join("python/requirements.txt"),
            "the pinned omise PyPI client",
        )
        .join("python")
    })
}

/// The node suite's directory, with `omise` from npm installed as locked.
fn node_suite() -> &'static Path {
    static NODE: OnceLock<PathBuf> = OnceLock::new();
    NODE.get_or_init(|| {
        let dir = Path::new(SUITES).join("node");
        let _installing = installing("node");
        let mut npm = Command::new("npm");
        npm.args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir);
        install(npm, "install the pinned omise npm client (npm ci)");
        dir
    })
}

/// A client process that talks only to the test server: a proxy from the
/// environment would carry its loopback requests elsewhere.
fn client_command(program: impl AsRef<std::ffi::OsStr>, app: &TestApp) -> Command {
    let mut command = Command::new(program);
    for proxy in ["http_proxy", "https_proxy", "all_proxy"] {
        command
            .env_remove(proxy)
            .env_remove(proxy.to_ascii_uppercase());
    }
    command
        .env("PAYLINK_URL", &app.base)
        .env("PAYLINK_SECRET_KEY", app.sk())
        .env("PAYLINK_PUBLIC_KEY", app.pk())
        .env("PYTHONDONTWRITEBYTECODE", "1");
    command
}

/// Runs a client suite off the runtime thread, which serves the requests.
async fn assert_suite_passes(name: &str, command: Command) {
    let outcome = tokio::task::spawn_blocking(move || run(command, SUITE_LIMIT))
        .await
        .expect("suite runner");
    assert!(
        outcome.success,
        "the {name} client suite failed: {}\n{}",
        outcome.summary, outcome.output
    );
    println!("{}", outcome.output);
}

/// Port 80 of a free loopback address. omise 1.1.0 takes a host without a
/// port, so its server must listen on port 80; trying several addresses
/// lets two test runs on one machine both find one.
fn loopback_port_80() -> SocketAddr {
    let mut refused = Vec::new();
    for host in 2..=40 {
        let addr = SocketAddr::from((Ipv4Addr::new(127, 0, 0, host), 80));
        match TcpListener::bind(addr) {
            Ok(_) => return addr,
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                panic!(
                    "cannot listen on {addr} ({e}). The omise npm client cannot \
                     name a port, so its suite needs port 80 of a loopback \
                     address: run as root, or allow it with \
                     `sysctl net.ipv4.ip_unprivileged_port_start=80`."
                )
            }
            Err(e) => refused.push(format!("{addr}: {e}")),
        }
    }
    panic!(
        "no loopback address has port 80 free for the omise npm client: {}",
        refused.join("; ")
    )
}

#[tokio::test]
async fn the_official_python_client_passes_every_case() {
    let python = python();
    let app = TestApp::spawn().await;
    let mut command = client_command(python, &app);
    command.arg(Path::new(SUITES).join("python/test_links.py"));
    assert_suite_passes("Python (omise 0.16.0)", command).await;
}

/// The base64 webhook secret of the app's account in test mode. The API
/// never shows it, so a receiver's signature check can only get it from
/// here; an empty change creates the settings if the account has none.
async fn webhook_secret(app: &TestApp) -> String {
    app.store
        .change_settings(
            &app.keys.account_id,
            Mode::Test,
            &SettingsChange::default(),
            &new_webhook_secret(),
        )
        .await
        .expect("the store answers")
        .expect("the account exists")
        .webhook_secret
}

#[tokio::test]
async fn the_official_python_client_reads_events_and_webhooks_verify() {
    let python = python();
    let app = TestApp::spawn().await;
    let mut command = client_command(python, &app);
    command
        .env("PAYLINK_WEBHOOK_SECRET", webhook_secret(&app).await)
        .arg(Path::new(SUITES).join("python/test_events.py"));
    assert_suite_passes("Python (omise 0.16.0) events", command).await;
}

#[tokio::test]
async fn the_official_python_client_refunds_and_reads_the_account() {
    let python = python();
    let app = TestApp::spawn().await;
    let mut command = client_command(python, &app);
    command.arg(Path::new(SUITES).join("python/test_lifecycle.py"));
    assert_suite_passes("Python (omise 0.16.0) lifecycle", command).await;
}

#[tokio::test]
async fn the_official_python_client_searches_links_and_charges() {
    let python = python();
    let app = TestApp::spawn().await;
    let mut command = client_command(python, &app);
    command.arg(Path::new(SUITES).join("python/test_search.py"));
    assert_suite_passes("Python (omise 0.16.0) search", command).await;
}

#[tokio::test]
async fn the_official_node_client_passes_every_case() {
    let dir = node_suite();
    let addr = loopback_port_80();
    let app = TestApp::spawn_with(|config| config.addr = addr).await;
    let mut command = client_command("node", &app);
    command
        .env("OMISE_SCHEME", "http")
        .args(["--test", "test.js"])
        .current_dir(dir);
    assert_suite_passes("Node (omise 1.1.0)", command).await;
}
