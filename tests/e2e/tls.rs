//! A desk PC on the town hall's network: the real `urne serve` runs in a
//! network namespace made for the test (`ip netns`, a veth pair), on a
//! non-loopback address, and headless Chromium reaches it across the veth.
//! Over HTTPS, with the self-signed certificate the server generated (the
//! browser accepts exactly that key, as a desk PC whose user checked the
//! fingerprint), the login works and the desk's home shows the fingerprint
//! the server printed; plain HTTP to the same port is redirected. The same
//! server with `--tls off` shows why: the browser drops the `Secure`
//! cookies and the login cannot complete.
//!
//! Needs root and iproute2 (CI has both); elsewhere it is skipped, saying so.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use fantoccini::Locator;
use sha2::{Digest, Sha256};

use crate::browser::browser_with_args;
use crate::helpers::{PASSWORD, skipped, temp_dir};

/// A network namespace joined to this one by a veth pair: `host` is this
/// side's address, `guest` the namespace's. Deleted (with the pair) on drop.
struct Netns {
    name: String,
    guest: String,
}

impl Netns {
    fn create(test: &str) -> Option<Netns> {
        let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let probe = Command::new("ip").args(["netns", "list"]).output();
        let is_root = rustix::process::geteuid().is_root();
        if !is_root || !probe.as_ref().is_ok_and(|o| o.status.success()) {
            let why = "needs root and iproute2 (ip netns) to make a network namespace";
            assert!(!in_ci, "{test}: {why}, which CI has");
            skipped(test, &format!("{why}; run the tests as root to include it"));
            return None;
        }
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..6];
        let subnet = 1 + (u32::from_str_radix(tag, 16).unwrap_or(7) % 250);
        let ns = Netns {
            name: format!("urne-{tag}"),
            guest: format!("10.231.{subnet}.2"),
        };
        let (a, b) = (format!("ua{tag}"), format!("ub{tag}"));
        let host = format!("10.231.{subnet}.1/24");
        let guest = format!("{}/24", ns.guest);
        for args in [
            vec!["netns", "add", &ns.name],
            vec!["link", "add", &a, "type", "veth", "peer", "name", &b],
            vec!["link", "set", &b, "netns", &ns.name],
            vec!["addr", "add", &host, "dev", &a],
            vec!["link", "set", &a, "up"],
        ] {
            run_ip(&args);
        }
        for args in [
            vec!["addr", "add", &guest, "dev", &b],
            vec!["link", "set", &b, "up"],
            vec!["link", "set", "lo", "up"],
        ] {
            let mut all = vec!["netns", "exec", &ns.name, "ip"];
            all.extend(args);
            run_ip(&all);
        }
        Some(ns)
    }

    /// `urne serve` inside the namespace, on its address and `port`.
    fn serve(&self, db: &str, tls_dir: &Path, port: u16, extra: &[&str]) -> Server {
        let mut child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.name,
                env!("CARGO_BIN_EXE_urne"),
                "serve",
            ])
            .arg("--listen")
            .arg(format!("{}:{port}", self.guest))
            .arg("--database-url")
            .arg(db)
            .arg("--tls-dir")
            .arg(tls_dir)
            .args(extra)
            .env("URNE_API_TOKEN", "tls-test-token")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start urne serve in the namespace");
        // What it prints: its address, then the certificate's fingerprint.
        let out = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        let mut printed = Vec::new();
        for line in lines.by_ref() {
            let line = line.expect("server output");
            let done = line.starts_with("Urne: http://") || line.starts_with("  ");
            printed.push(line);
            if done {
                break;
            }
        }
        // The rest is read, so that the server never writes to a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server {
            child,
            printed: printed.join("\n"),
        }
    }
}

fn run_ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

struct Server {
    child: Child,
    printed: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// base64 of the SHA-256 of the key's SubjectPublicKeyInfo: what
/// Chromium's `--ignore-certificate-errors-spki-list` takes.
fn spki_pin(key_pem: &Path) -> String {
    let pem = std::fs::read_to_string(key_pem).expect("kept key");
    let pair = rcgen::KeyPair::from_pem(&pem).expect("PEM key");
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(pair.public_key_der()))
}

fn add_desk_user(db: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args([
            "user",
            "add",
            "guichet",
            "--role",
            "desk",
            "--database-url",
            db,
        ])
        .env("URNE_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .expect("urne user add");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn log_in(b: &crate::browser::Browser, base: &str) {
    b.goto(&format!("{base}/login")).await;
    for (id, value) in [("username", "guichet"), ("password", PASSWORD)] {
        let el = b.client.find(Locator::Id(id)).await.expect("login field");
        el.send_keys(value).await.expect("type");
    }
    b.client
        .find(Locator::Css("form[action='/login'] button"))
        .await
        .expect("login button")
        .click()
        .await
        .expect("click");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_pc_on_the_local_network_logs_in_over_https() {
    let test = "a_desk_pc_on_the_local_network_logs_in_over_https";
    let Some(ns) = Netns::create(test) else {
        return;
    };
    let dir = temp_dir("tls");
    let db = format!("sqlite://{}", dir.path().join("urne.db").display());
    add_desk_user(&db);
    let tls_dir = dir.path().join("tls");
    let server = ns.serve(&db, &tls_dir, 8443, &[]);
    assert!(
        server
            .printed
            .contains(&format!("Urne: https://{}:8443/", ns.guest)),
        "{}",
        server.printed
    );
    let fingerprint = server
        .printed
        .lines()
        .last()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let cert = std::fs::read_to_string(tls_dir.join(urne::tls::SELF_SIGNED_CERT)).expect("cert");
    let der = rustls::pki_types::pem::PemObject::from_pem_slice(cert.as_bytes())
        .map(|c: rustls::pki_types::CertificateDer| urne::tls::fingerprint(&c))
        .expect("PEM certificate");
    assert_eq!(
        fingerprint, der,
        "the printed fingerprint is the kept certificate's"
    );

    // Plain HTTP to the same port: redirected to the same path in https.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let base_http = format!("http://{}:8443", ns.guest);
    let r = http
        .get(format!("{base_http}/desk?x=1"))
        .send()
        .await
        .expect("plain HTTP answer");
    assert_eq!(r.status(), 308);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("https://{}:8443/desk?x=1", ns.guest).as_str())
    );

    let pin = spki_pin(&tls_dir.join(urne::tls::SELF_SIGNED_KEY));
    let Some(b) = browser_with_args(
        test,
        &[format!("--ignore-certificate-errors-spki-list={pin}")],
    )
    .await
    else {
        return;
    };
    // The browser, sent to http://, lands on https:// and logs in.
    b.goto(&format!("{base_http}/login")).await;
    let url = b.client.current_url().await.expect("url");
    assert_eq!(url.as_str(), format!("https://{}:8443/login", ns.guest));
    let base = format!("https://{}:8443", ns.guest);
    log_in(&b, &base).await;
    let shown = b
        .wait_for_text("#tls-fingerprint", &fingerprint, Duration::from_secs(10))
        .await;
    assert_eq!(shown.trim(), fingerprint);
    b.wait_for_text("h1", "Saisie des résultats", Duration::from_secs(5))
        .await;
    b.close().await;

    // The same server in plain HTTP on that address: the browser drops the
    // Secure cookies, so the login form cannot complete.
    drop(server);
    let plain = ns.serve(&db, &tls_dir, 8080, &["--tls", "off"]);
    assert!(plain.printed.contains("Urne: http://"), "{}", plain.printed);
    let Some(b) = browser_with_args(test, &[]).await else {
        return;
    };
    log_in(&b, &format!("http://{}:8080", ns.guest)).await;
    b.wait_for_text("body", "formulaire expiré", Duration::from_secs(10))
        .await;
    b.close().await;
}
