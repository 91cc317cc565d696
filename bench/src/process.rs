//! The processes under test: `paylink serve`, `paylink account create` and
//! the static baseline, each started from its release binary.

use crate::Result;
use serde_json::Value;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to answer before the run gives up on it.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A loopback address with a port that was free a moment ago: the port is
/// bound, read and released, so the server can bind it by number.
pub fn free_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?)
}

/// A command with none of the caller's `PAYLINK_*` or `RUST_LOG` settings,
/// so that a stray public URL or debug logging cannot change what is measured.
pub fn clean_command(program: &Path) -> Command {
    let mut command = Command::new(program);
    for (name, _) in std::env::vars_os() {
        let name_str = name.to_string_lossy();
        if name_str.starts_with("PAYLINK_") || name_str == "RUST_LOG" {
            command.env_remove(&name);
        }
    }
    command
}

/// An account's id and test keys, from `paylink account create --json`.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub public_key: String,
    pub secret_key: String,
}

/// Creates an account (and the schema, on a new database) with the CLI.
pub fn create_account(paylink: &Path, database_url: &str) -> Result<Account> {
    let output = clean_command(paylink)
        .args(["account", "create", "--json", "--database", database_url])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", paylink.display()))?;
    if !output.status.success() {
        return Err(format!(
            "paylink account create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let keys: Value = serde_json::from_slice(&output.stdout)?;
    let field = |name: &str| {
        keys[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("account create printed no {name}"))
    };
    Ok(Account {
        id: field("account_id")?,
        public_key: field("public_key_test")?,
        secret_key: field("secret_key_test")?,
    })
}

/// A running server process, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
}

impl Server {
    /// `paylink serve` on `addr` over `database_url`; stdout and stderr go
    /// to `log`. Returns at once: see [`Server::wait_ready`].
    pub fn paylink(
        paylink: &Path,
        addr: SocketAddr,
        database_url: &str,
        log: &Path,
    ) -> Result<Server> {
        let mut command = clean_command(paylink);
        command.args([
            "serve",
            "--addr",
            &addr.to_string(),
            "--database",
            database_url,
        ]);
        Server::spawn(command, addr, log)
    }

    /// The static baseline answering with the bytes in `body`.
    pub fn baseline(baseline: &Path, addr: SocketAddr, body: &Path, log: &Path) -> Result<Server> {
        let mut command = clean_command(baseline);
        command
            .arg("--addr")
            .arg(addr.to_string())
            .arg("--body")
            .arg(body);
        Server::spawn(command, addr, log)
    }

    fn spawn(mut command: Command, addr: SocketAddr, log: &Path) -> Result<Server> {
        let out = File::create(log)?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .map_err(|e| format!("cannot start {command:?}: {e}"))?;
        Ok(Server {
            child,
            addr,
            log: log.to_owned(),
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Polls `path` until it answers 200, every half millisecond, over a
    /// fresh connection each time (the server may not be listening yet).
    pub fn wait_ready(&mut self, path: &str) -> Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if answers_ok(self.addr, path) {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                return Err(format!(
                    "the server exited ({status}) before answering; its log, {}:\n{}",
                    self.log.display(),
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                )
                .into());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the server did not answer {path} within {READY_TIMEOUT:?}; log: {}",
                    self.log.display()
                )
                .into());
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    /// The process's peak resident set so far, in bytes (`VmHWM`).
    pub fn peak_rss(&self) -> Result<u64> {
        peak_rss(self.child.id())
    }

    /// Reads the peak resident set, then stops the process.
    pub fn stop(mut self) -> Result<u64> {
        let peak = self.peak_rss();
        self.kill();
        peak
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A running process's peak resident set so far, in bytes (`VmHWM`).
pub fn peak_rss(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| "no VmHWM in /proc/<pid>/status".into())
}

/// One `GET` over a new connection: true when the status is 200.
fn answers_ok(addr: SocketAddr, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..]) {
            Ok(0) => return false,
            Ok(n) => read += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    head.starts_with(b"HTTP/1.1 200")
}
