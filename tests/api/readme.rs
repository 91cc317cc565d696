//! The README's first session, run as written: its shell snippets, in
//! order, against a `paylink serve` started as the README starts it.

use crate::cli::get;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The ```sh snippets of the README section that starts with `heading`,
/// up to the next section of the same level.
fn snippets(readme: &str, heading: &str) -> Vec<String> {
    let start = readme.find(heading).expect("the section is in the README");
    let rest = &readme[start + heading.len()..];
    let section = rest.find("\n## ").map_or(rest, |end| &rest[..end]);
    section
        .split("```sh\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_owned())
        .collect()
}

/// A tool the session needs, or a failure that says it is missing.
fn require(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "the README's first session needs `{tool}`, which is not installed (Debian: apt-get install {tool})"
    );
}

#[test]
fn the_first_session_works_step_by_step_as_written() {
    require("curl");
    require("jq");
    let readme = std::fs::read_to_string("README.md").unwrap();
    let steps = snippets(&readme, "## A first session");
    assert!(steps.len() > 8, "{steps:?}");
    assert_eq!(steps[0].trim(), "cargo install --locked --path .");
    // The server, as the README starts it, on a free port.
    let serve = steps[1].trim();
    let args = shell_words(serve.strip_prefix("paylink ").expect("paylink serve"));
    assert_eq!(args[0], "serve");
    assert!(steps[2].trim_start().starts_with("export SKEY="));

    let dir = tempfile::tempdir().unwrap();
    let binary = std::path::PathBuf::from(env!("CARGO_BIN_EXE_paylink"));
    let mut server = Command::new(&binary)
        .args(&args)
        .args(["--addr", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("PAYLINK_DATABASE_URL")
        .env_remove("PAYLINK_PUBLIC_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    let mut addr = None;
    for line in BufReader::new(server.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        printed.push_str(&line);
        printed.push('\n');
        if let Some(at) = line.strip_prefix("paylink listening on http://") {
            addr = Some(at.trim().to_owned());
            break;
        }
    }
    let addr = addr.unwrap_or_else(|| panic!("serve did not start: {printed}"));
    let secret = printed
        .lines()
        .find_map(|l| l.strip_prefix("secret key test:"))
        .expect("serve printed the keys")
        .trim()
        .to_owned();

    // Every later snippet, in order, in one shell, on the server's
    // address; `paylink` is the binary the tests built.
    let script: String = steps[3..]
        .iter()
        .map(|step| step.replace("127.0.0.1:8080", &addr))
        .collect::<Vec<_>>()
        .join("\n");
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("SKEY", &secret)
        .env_remove("PAYLINK_DATABASE_URL")
        .env_remove("PAYLINK_PUBLIC_URL")
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "{script}\n---\n{stdout}\n---\n{stderr}"
    );

    // The form posted with curl was answered with the outcome's address.
    assert!(
        stdout.contains(&format!("303 http://{addr}/pay/"))
            && stdout.contains("complete?charge=chrg_test_"),
        "{stdout}"
    );
    // What the session did, read back from the API (the server is
    // stopped: read its database with a second one).
    let again = crate::cli::serve(&format!(
        "sqlite://{}",
        dir.path().join("paylink.db").display()
    ));
    let read = |path: &str| -> Value {
        let (status, body) = get(&format!("{}{path}", again.addr), &secret);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    };
    assert_eq!(read("/account")["display_name"], "Pet Shop");
    let charges = read("/charges?order=reverse_chronological");
    let data = charges["data"].as_array().unwrap();
    assert_eq!(data.len(), 3, "{charges}");
    assert!(
        data.iter().all(|c| c["status"] == "successful"),
        "{charges}"
    );
    let three_d = &data[0];
    assert_eq!(three_d["amount"], 50000);
    assert_eq!(three_d["refunded_amount"], 20000, "{three_d}");
    assert_eq!(data[1]["card"]["name"], "Somchai Jaidee");
    assert_eq!(data[2]["card"]["name"], "Test Payer");
    // The search snippet found them: its answer is on stdout.
    assert!(stdout.contains("\"object\":\"search\""), "{stdout}");
}

/// Splits a README command line into words, honouring double quotes.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = vec![];
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}
