//! permessage-deflate (RFC 7692) for the live WebSocket, compressed once per frame.
//!
//! tungstenite (0.29, the version axum's stack pins) does not implement
//! WebSocket extensions: it neither negotiates permessage-deflate nor
//! reads or writes compressed frames (a frame with RSV1 set is a protocol
//! error to it). The hub writes its data frames itself ([`crate::ws`]), so
//! what this module adds is enough for the server's side:
//!
//! - [`negotiate`]: reads the client's `Sec-WebSocket-Extensions` offers and
//!   accepts the first permessage-deflate offer it can honour, always
//!   answering [`RESPONSE`]: `server_no_context_takeover` (every message is
//!   compressed on its own, so one compressed payload is valid for every
//!   connection) and `client_no_context_takeover`. An offer that limits the
//!   server's window (`server_max_window_bits` below 15) is declined: the
//!   compressor uses the full window.
//! - [`compress`]: a message's payload as raw DEFLATE with a sync flush,
//!   the trailing `00 00 ff ff` removed (§7.2.1). The hub calls it once per
//!   frame and sends the same bytes to every connection that negotiated the
//!   extension, with RSV1 set (`Frame::deflated`).
//! - [`inflate`]: the reverse, for the tests and tools that read raw frames.
//!
//! Clients only send control frames (pongs, close), which are never
//! compressed, so nothing compressed is ever read.

use std::io::Write;

use bytes::Bytes;
use flate2::write::DeflateEncoder;
use flate2::{Compression, Decompress, FlushDecompress};

/// The extension as the server answers it.
pub const RESPONSE: &str =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

/// The tail a sync flush ends with, removed on the wire.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Whether one of the offers in these `Sec-WebSocket-Extensions` header
/// values is a permessage-deflate the server can accept.
pub fn negotiate<'a>(offers: impl IntoIterator<Item = &'a str>) -> bool {
    offers
        .into_iter()
        .flat_map(|v| v.split(','))
        .any(acceptable)
}

fn acceptable(offer: &str) -> bool {
    let mut parts = offer.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|n| n.eq_ignore_ascii_case("permessage-deflate"))
    {
        return false;
    }
    parts.all(|p| {
        let (name, value) = match p.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (p, None),
        };
        match name.to_ascii_lowercase().as_str() {
            "server_no_context_takeover" | "client_no_context_takeover" => value.is_none(),
            // The client's window is its own business: it sends nothing compressed.
            "client_max_window_bits" => value.is_none_or(|v| v.parse::<u8>().is_ok()),
            "server_max_window_bits" => value == Some("15"),
            _ => false,
        }
    })
}

/// One message's payload for a compressed frame.
pub fn compress(payload: &[u8]) -> Bytes {
    let mut enc = DeflateEncoder::new(
        Vec::with_capacity(payload.len() / 3 + 16),
        Compression::new(6),
    );
    // Writing to a Vec cannot fail; flush() is a sync flush.
    if enc.write_all(payload).and_then(|()| enc.flush()).is_err() {
        return Bytes::new();
    }
    let mut out = std::mem::take(enc.get_mut());
    if out.ends_with(&TAIL) {
        out.truncate(out.len() - TAIL.len());
    }
    Bytes::from(out)
}

/// A compressed message's payload, inflated; at most `limit` bytes.
pub fn inflate(payload: &[u8], limit: usize) -> std::io::Result<Vec<u8>> {
    let input: Vec<u8> = payload.iter().chain(&TAIL).copied().collect();
    let mut d = Decompress::new(false);
    let mut out = Vec::with_capacity(payload.len() * 4 + 64);
    loop {
        if out.len() == out.capacity() {
            if out.len() >= limit {
                return Err(std::io::Error::other("message too large"));
            }
            out.reserve(out.len());
        }
        let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
        let rest = input.get(consumed..).unwrap_or_default();
        let before = (d.total_in(), d.total_out());
        d.decompress_vec(rest, &mut out, FlushDecompress::Sync)
            .map_err(std::io::Error::other)?;
        let done = usize::try_from(d.total_in()).unwrap_or(usize::MAX) >= input.len();
        if done && out.len() < out.capacity() {
            return Ok(out);
        }
        if (d.total_in(), d.total_out()) == before {
            return Err(std::io::Error::other("truncated deflate data"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compresses_and_inflates() {
        let text = r#"{"type":"delta","election":"x","from":1,"seq":1}"#.repeat(20);
        let packed = compress(text.as_bytes());
        assert!(packed.len() < text.len() / 4);
        assert!(!packed.ends_with(&TAIL));
        let back = inflate(&packed, 1 << 20);
        assert_eq!(
            back.as_ref().map_err(|e| e.to_string()),
            Ok(&text.as_bytes().to_vec())
        );
        // Each message stands alone: the same bytes whatever came before.
        assert_eq!(compress(text.as_bytes()), packed);
    }

    #[test]
    fn accepts_the_offers_it_can_honour() {
        assert!(negotiate(["permessage-deflate; client_max_window_bits"]));
        assert!(negotiate([
            "x-webkit-deflate-frame",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        ]));
        assert!(negotiate([
            "permessage-deflate; server_max_window_bits=10, permessage-deflate"
        ]));
        assert!(!negotiate([
            "permessage-deflate; server_max_window_bits=10"
        ]));
        assert!(!negotiate(["permessage-deflate; unknown"]));
        assert!(!negotiate(["deflate-stream"]));
        assert!(!negotiate([]));
    }
}
