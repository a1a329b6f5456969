//! The conversation between `urne-load run` and its client processes.
//!
//! One process cannot hold more sockets than its open-files limit, so the
//! subscribers live in child processes (`urne-load clients`), each with its
//! share of them. The parent talks to each child over the child's stdin and
//! stdout, in lines of text, and the child's stdout is read continuously by
//! the parent (a task per child), so neither side ever blocks on a full pipe:
//!
//! - child → parent, once all its clients have connected or failed:
//!   `connected <ok> <failed>[ <first error>]`;
//! - parent → child: `stall` (the clients chosen to stall stop reading),
//!   `open` (answered by `open <n>`, the clients still connected), `stop`
//!   (also implied by the end of stdin);
//! - child → parent after `stop`: `results <bytes>`, then that many bytes of
//!   the clients' records encoded by [`encode`], then the child exits.
//!
//! A share of 10,000 clients records a few million arrivals, so the records
//! are binary, little-endian: per client, a flag byte, its server process,
//! the server's close (if any), then arrivals, gaps, resyncs and frames, each as a
//! count followed by that many fixed-size items. Instants are microseconds
//! since the origin the parent passed (see `clock.rs`).

use anyhow::{Context, bail};

use crate::clients::ClientResult;

pub const CONNECTED: &str = "connected";
pub const OPEN: &str = "open";
pub const RESULTS: &str = "results";
pub const STALL: &str = "stall";
pub const STOP: &str = "stop";

const MAGIC: &[u8; 4] = b"UL02";
const CONNECTED_FLAG: u8 = 1;
const STALLED_FLAG: u8 = 2;
const CLOSED_FLAG: u8 = 4;

/// The `connected` line (without its newline); the error is kept on one line.
pub fn connected_line(ok: usize, failed: usize, first_error: Option<&str>) -> String {
    match first_error {
        Some(e) => format!("{CONNECTED} {ok} {failed} {}", e.replace(['\n', '\r'], " ")),
        None => format!("{CONNECTED} {ok} {failed}"),
    }
}

/// Parses the rest of a `connected` line: (ok, failed, first error).
pub fn parse_connected(rest: &str) -> anyhow::Result<(usize, usize, Option<String>)> {
    let mut parts = rest.splitn(3, ' ');
    let ok = parts.next().context("no count")?.parse()?;
    let failed = parts.next().context("no failure count")?.parse()?;
    let error = parts.next().map(str::to_string).filter(|e| !e.is_empty());
    Ok((ok, failed, error))
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Encodes the records of a share's clients.
pub fn encode(clients: &[ClientResult]) -> Vec<u8> {
    let size: usize = clients
        .iter()
        .map(|c| 36 + 8 * (c.arrivals.len() + c.gaps.len() + c.frames.len()) + 4 * c.resyncs.len())
        .sum();
    let mut out = Vec::with_capacity(8 + size);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&len32(clients.len()).to_le_bytes());
    for c in clients {
        let mut flags = 0;
        if c.connected {
            flags |= CONNECTED_FLAG;
        }
        if c.stalled {
            flags |= STALLED_FLAG;
        }
        if c.closed_by_server.is_some() {
            flags |= CLOSED_FLAG;
        }
        out.push(flags);
        out.extend_from_slice(&len32(c.target).to_le_bytes());
        if let Some((code, seq)) = c.closed_by_server {
            out.extend_from_slice(&code.to_le_bytes());
            out.extend_from_slice(&seq.to_le_bytes());
        }
        // A count, then its items (never more than the count says).
        let n = len32(c.arrivals.len());
        out.extend_from_slice(&n.to_le_bytes());
        for (seq, at) in c.arrivals.iter().take(n as usize) {
            out.extend_from_slice(&seq.to_le_bytes());
            out.extend_from_slice(&at.to_le_bytes());
        }
        let n = len32(c.gaps.len());
        out.extend_from_slice(&n.to_le_bytes());
        for (seq, missing) in c.gaps.iter().take(n as usize) {
            out.extend_from_slice(&seq.to_le_bytes());
            out.extend_from_slice(&missing.to_le_bytes());
        }
        let n = len32(c.resyncs.len());
        out.extend_from_slice(&n.to_le_bytes());
        for seq in c.resyncs.iter().take(n as usize) {
            out.extend_from_slice(&seq.to_le_bytes());
        }
        let n = len32(c.frames.len());
        out.extend_from_slice(&n.to_le_bytes());
        for (seq, bytes) in c.frames.iter().take(n as usize) {
            out.extend_from_slice(&seq.to_le_bytes());
            out.extend_from_slice(&bytes.to_le_bytes());
        }
    }
    out
}

/// A bounds-checked cursor over the bytes a child sent.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> anyhow::Result<[u8; N]> {
        let Some((head, rest)) = self.buf.split_first_chunk::<N>() else {
            bail!("client records end early");
        };
        self.buf = rest;
        Ok(*head)
    }
    fn u8(&mut self) -> anyhow::Result<u8> {
        Ok(self.take::<1>()?[0])
    }
    fn u16(&mut self) -> anyhow::Result<u16> {
        Ok(u16::from_le_bytes(self.take()?))
    }
    fn u32(&mut self) -> anyhow::Result<u32> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn i64(&mut self) -> anyhow::Result<i64> {
        Ok(i64::from_le_bytes(self.take()?))
    }
    /// A count of items of `item` bytes each, checked against what is left.
    fn count(&mut self, item: usize) -> anyhow::Result<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(item) > self.buf.len() {
            bail!("client records announce {n} items but end early");
        }
        Ok(n)
    }
}

/// Decodes what [`encode`] produced.
pub fn decode(bytes: &[u8]) -> anyhow::Result<Vec<ClientResult>> {
    let mut r = Reader { buf: bytes };
    if &r.take::<4>()? != MAGIC {
        bail!("client records: unknown format");
    }
    // Each client takes at least 21 bytes.
    let n = r.count(21)?;
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        let flags = r.u8()?;
        let target = r.u32()? as usize;
        let closed_by_server = if flags & CLOSED_FLAG != 0 {
            Some((r.u16()?, r.i64()?))
        } else {
            None
        };
        let k = r.count(8)?;
        let mut arrivals = Vec::with_capacity(k);
        for _ in 0..k {
            arrivals.push((r.u32()?, r.u32()?));
        }
        let k = r.count(8)?;
        let mut gaps = Vec::with_capacity(k);
        for _ in 0..k {
            gaps.push((r.u32()?, r.u32()?));
        }
        let k = r.count(4)?;
        let mut resyncs = Vec::with_capacity(k);
        for _ in 0..k {
            resyncs.push(r.u32()?);
        }
        let k = r.count(8)?;
        let mut frames = Vec::with_capacity(k);
        for _ in 0..k {
            frames.push((r.u32()?, r.u32()?));
        }
        clients.push(ClientResult {
            target,
            connected: flags & CONNECTED_FLAG != 0,
            stalled: flags & STALLED_FLAG != 0,
            arrivals,
            gaps,
            resyncs,
            frames,
            closed_by_server,
        });
    }
    if !r.buf.is_empty() {
        bail!("client records: {} bytes left over", r.buf.len());
    }
    Ok(clients)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<ClientResult> {
        vec![
            ClientResult {
                target: 1,
                connected: true,
                stalled: false,
                arrivals: vec![(1, 100), (2, 250), (4, 4_000_000_000)],
                gaps: vec![(4, 1)],
                resyncs: vec![9],
                frames: vec![(2, 321), (4, 640)],
                closed_by_server: Some((1013, 4)),
            },
            ClientResult::default(),
            ClientResult {
                target: 0,
                connected: true,
                stalled: true,
                arrivals: vec![(7, 1)],
                ..ClientResult::default()
            },
        ]
    }

    fn same(a: &ClientResult, b: &ClientResult) -> bool {
        a.target == b.target
            && a.connected == b.connected
            && a.stalled == b.stalled
            && a.arrivals == b.arrivals
            && a.gaps == b.gaps
            && a.resyncs == b.resyncs
            && a.frames == b.frames
            && a.closed_by_server == b.closed_by_server
    }

    #[test]
    fn records_round_trip() -> anyhow::Result<()> {
        let clients = sample();
        let back = decode(&encode(&clients))?;
        assert_eq!(back.len(), clients.len());
        assert!(clients.iter().zip(&back).all(|(a, b)| same(a, b)));
        assert!(decode(&encode(&[]))?.is_empty());
        Ok(())
    }

    #[test]
    fn truncated_or_foreign_records_are_errors() {
        let bytes = encode(&sample());
        for cut in [0, 3, 8, 20, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        let mut foreign = bytes;
        foreign[0] = b'X';
        assert!(decode(&foreign).is_err());
        // A count far beyond the data does not allocate it.
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&huge).is_err());
    }

    #[test]
    fn connected_lines_round_trip() -> anyhow::Result<()> {
        let line = connected_line(9_998, 2, Some("Too many open files\n(os error 24)"));
        let rest = line
            .strip_prefix(CONNECTED)
            .and_then(|r| r.strip_prefix(' '))
            .unwrap_or_default();
        assert_eq!(
            parse_connected(rest)?,
            (
                9_998,
                2,
                Some("Too many open files (os error 24)".to_string())
            )
        );
        assert_eq!(parse_connected("10 0")?, (10, 0, None));
        assert!(parse_connected("x 0").is_err());
        Ok(())
    }
}
