//! permessage-deflate on the live WebSocket, over raw TCP: a client that
//! does not offer the extension gets plain text frames; clients that offer
//! it get frames with RSV1 set whose payload is the same bytes for all of
//! them (compressed once per frame) and inflates to the plain frame.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp, sample_pv_json, spawn_app};

/// One raw connection: the upgrade's answer, then frames as they come.
struct Raw {
    tcp: TcpStream,
    buf: Vec<u8>,
    /// The server's `Sec-WebSocket-Extensions` answer, if any.
    extensions: Option<String>,
}

/// A received data frame: whether RSV1 was set, and its payload.
#[derive(Debug, Clone, PartialEq)]
struct RawFrame {
    compressed: bool,
    payload: Vec<u8>,
}

impl Raw {
    async fn open(app: &TestApp, path: &str, offer: Option<&str>) -> Raw {
        let mut tcp = TcpStream::connect(app.running.addr).await.expect("connect");
        let ext = offer.map_or(String::new(), |o| {
            format!("Sec-WebSocket-Extensions: {o}\r\n")
        });
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{ext}\r\n",
            app.running.addr
        );
        tcp.write_all(req.as_bytes()).await.expect("write");
        let mut raw = Raw {
            tcp,
            buf: Vec::new(),
            extensions: None,
        };
        let end = loop {
            if let Some(i) = raw.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            raw.fill().await;
        };
        let head = String::from_utf8_lossy(&raw.buf[..end]).to_string();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        raw.extensions = head
            .lines()
            .find_map(|l| l.strip_prefix("sec-websocket-extensions: "))
            .map(str::to_string);
        raw.buf.drain(..end);
        raw
    }

    async fn fill(&mut self) {
        let mut chunk = vec![0u8; 65536];
        let n = tokio::time::timeout(Duration::from_secs(10), self.tcp.read(&mut chunk))
            .await
            .expect("a frame within 10 s")
            .expect("read");
        assert!(n > 0, "connection closed");
        self.buf.extend_from_slice(&chunk[..n]);
    }

    /// The next text frame (control frames are skipped).
    async fn next(&mut self) -> RawFrame {
        loop {
            while self.buf.len() < 2 {
                self.fill().await;
            }
            let (b0, b1) = (self.buf[0], self.buf[1]);
            assert_eq!(b1 & 0x80, 0, "server frames are not masked");
            let (len, at) = match b1 & 0x7f {
                126 => {
                    while self.buf.len() < 4 {
                        self.fill().await;
                    }
                    (
                        usize::from(u16::from_be_bytes([self.buf[2], self.buf[3]])),
                        4,
                    )
                }
                127 => {
                    while self.buf.len() < 10 {
                        self.fill().await;
                    }
                    let mut n = [0u8; 8];
                    n.copy_from_slice(&self.buf[2..10]);
                    (usize::try_from(u64::from_be_bytes(n)).expect("len"), 10)
                }
                n => (usize::from(n), 2),
            };
            while self.buf.len() < at + len {
                self.fill().await;
            }
            let payload = self.buf[at..at + len].to_vec();
            self.buf.drain(..at + len);
            assert_eq!(b0 & 0x80, 0x80, "one frame per message");
            if b0 & 0x0f == 0x1 {
                return RawFrame {
                    compressed: b0 & 0x40 != 0,
                    payload,
                };
            }
        }
    }

    /// The next frame's message as JSON, inflated when compressed.
    async fn next_json(&mut self) -> (RawFrame, Value) {
        let f = self.next().await;
        let text = if f.compressed {
            urne::deflate::inflate(&f.payload, 64 << 20).expect("inflate")
        } else {
            f.payload.clone()
        };
        let v = serde_json::from_slice(&text).expect("json");
        (f, v)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deflate_is_negotiated_on_offer_and_frames_are_compressed_once() {
    let app = spawn_app(Backend::Sqlite, "deflate").await.expect("sqlite");
    let id = app.define_sample().await;
    let path = format!("/ws/elections/{id}");
    let mut plain = Raw::open(&app, &path, None).await;
    let offer = "permessage-deflate; client_max_window_bits";
    let mut a = Raw::open(&app, &path, Some(offer)).await;
    let mut b = Raw::open(&app, &path, Some("permessage-deflate")).await;
    // An offer the server cannot honour (a smaller window) is declined.
    let mut small = Raw::open(
        &app,
        &path,
        Some("permessage-deflate; server_max_window_bits=9"),
    )
    .await;
    assert_eq!(plain.extensions, None);
    assert_eq!(small.extensions, None);
    let accepted = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
    assert_eq!(a.extensions.as_deref(), Some(accepted));
    assert_eq!(b.extensions.as_deref(), Some(accepted));

    // The snapshot: plain text for one, the same compressed bytes for the others.
    let (p, ps) = plain.next_json().await;
    let (fa, sa) = a.next_json().await;
    let (fb, sb) = b.next_json().await;
    let (fs, _) = small.next_json().await;
    assert!(!p.compressed && !fs.compressed);
    assert!(fa.compressed && fb.compressed);
    assert_eq!(fa.payload, fb.payload, "one compressed snapshot for all");
    assert!(
        fa.payload.len() * 3 < p.payload.len(),
        "{} vs {}",
        fa.payload.len(),
        p.payload.len()
    );
    assert_eq!((&sa, &sb), (&ps, &ps));

    // A published bureau: the same delta, compressed once.
    let (code, _, pv) = sample_pv_json(0, 5);
    app.enter_and_publish(&id, &code, &pv).await;
    loop {
        let (p, pj) = plain.next_json().await;
        let (fa, aj) = a.next_json().await;
        let (fb, bj) = b.next_json().await;
        let _ = small.next_json().await;
        assert_eq!((&aj, &bj), (&pj, &pj));
        assert!(!p.compressed);
        // Tiny frames (a bare seq) go as they are: compressing would not pay.
        assert_eq!(fa, fb);
        if pj["type"] == "delta" {
            assert!(fa.compressed);
            assert!(fa.payload.len() < p.payload.len());
            assert_eq!(pj["bureaux"][code.as_str()]["state"], json!("published"));
            break;
        }
    }
    app.running.shutdown().await;
}
