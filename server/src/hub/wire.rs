//! The pipe between the main process and its fan-out workers.
//!
//! One Unix stream socket per worker carries, in order, the public frames of
//! every election (the bytes the main process serialised, sent once per
//! worker), fresh snapshots for the worker's new subscribers, and the
//! WebSocket connections the main process hands over: the connection's file
//! descriptor travels as `SCM_RIGHTS` ancillary data with its message.
//! Keeping all three on one ordered stream is what makes a handed-over
//! client's `since=N` mean the same thing in the worker as in the main
//! process.
//!
//! A message is `[u32 LE length][u8 tag][u16 LE id length][election id]`
//! then, for a frame or a snapshot, `[u8 kind][i64 LE seq][JSON text]`, and
//! for a hand-over `[u8 flags: 1 has since, 2 permessage-deflate][i64 LE
//! since][bytes already read from the client]`. The other way, a worker reports how many connections it holds:
//! `[u32 LE 8][u64 LE count]`. Descriptors are queued on receipt and taken by hand-over
//! messages in order: the kernel delivers a descriptor no later than the
//! first byte of the message it was sent with.

use std::collections::VecDeque;
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};
use tokio::io::Interest;
use tokio::net::UnixStream;
use tokio_tungstenite_axum::tungstenite::Utf8Bytes;

use super::{Frame, FrameKind};

const TAG_FRAME: u8 = 1;
const TAG_SNAPSHOT: u8 = 2;
const TAG_HANDOFF: u8 = 3;

/// Largest message accepted (a snapshot of a very large election).
const MAX_MESSAGE: usize = 256 << 20;

/// A message from the main process to a worker.
#[derive(Debug)]
pub enum ToWorker {
    /// A frame for every subscriber of the election.
    Frame { election: String, frame: Frame },
    /// A newer snapshot to start subscribers from; sent to nobody.
    Snapshot { election: String, frame: Frame },
    /// A WebSocket connection, upgraded, to serve from now on.
    Handoff {
        election: String,
        since: Option<i64>,
        /// The client negotiated permessage-deflate.
        deflate: bool,
        /// Bytes the main process read from the client beyond the upgrade request.
        prefix: Bytes,
        socket: OwnedFd,
    },
}

fn header(buf: &mut BytesMut, tag: u8, election: &str, rest: usize) {
    let id = election.as_bytes();
    let id_len = u16::try_from(id.len()).unwrap_or(u16::MAX);
    let id = &id[..usize::from(id_len)];
    let body = 1 + 2 + id.len() + rest;
    buf.reserve(4 + body);
    buf.put_u32_le(u32::try_from(body).unwrap_or(u32::MAX));
    buf.put_u8(tag);
    buf.put_u16_le(id_len);
    buf.put_slice(id);
}

/// Encodes a frame (`snapshot_only`: a snapshot to keep, not to broadcast).
pub fn encode_frame(election: &str, frame: &Frame, snapshot_only: bool) -> Bytes {
    let text = frame.text.as_bytes();
    let mut buf = BytesMut::new();
    let tag = if snapshot_only {
        TAG_SNAPSHOT
    } else {
        TAG_FRAME
    };
    header(&mut buf, tag, election, 1 + 8 + text.len());
    buf.put_u8(match frame.kind {
        FrameKind::Change => 0,
        FrameKind::Snapshot => 1,
    });
    buf.put_i64_le(frame.seq);
    buf.put_slice(text);
    buf.freeze()
}

/// Encodes a hand-over; its descriptor is sent with it by [`send`].
pub fn encode_handoff(election: &str, since: Option<i64>, deflate: bool, prefix: &[u8]) -> Bytes {
    let mut buf = BytesMut::new();
    header(&mut buf, TAG_HANDOFF, election, 1 + 8 + prefix.len());
    buf.put_u8(u8::from(since.is_some()) | (u8::from(deflate) << 1));
    buf.put_i64_le(since.unwrap_or(0));
    buf.put_slice(prefix);
    buf.freeze()
}

/// Writes all of `buf` (the stream is shared with a reader).
async fn write_all(stream: &UnixStream, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        stream.writable().await?;
        match stream.try_write(buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes one message, with `fd` attached to its first bytes.
pub async fn send(stream: &UnixStream, msg: &[u8], fd: Option<&OwnedFd>) -> io::Result<()> {
    let Some(fd) = fd else {
        return write_all(stream, msg).await;
    };
    let sent = loop {
        stream.writable().await?;
        let attempt = stream.try_io(Interest::WRITABLE, || {
            let fds = [fd.as_fd()];
            let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
            let mut control = SendAncillaryBuffer::new(&mut space);
            control.push(SendAncillaryMessage::ScmRights(&fds));
            rustix::net::sendmsg(
                stream,
                &[IoSlice::new(msg)],
                &mut control,
                SendFlags::NOSIGNAL,
            )
            .map_err(io::Error::from)
        });
        match attempt {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    };
    // The descriptor went with the first bytes; the rest is plain data.
    write_all(stream, &msg[sent..]).await
}

/// A worker's report to the main process: how many connections it holds.
pub fn encode_report(connections: u64) -> [u8; 12] {
    let mut m = [0u8; 12];
    m[..4].copy_from_slice(&8u32.to_le_bytes());
    m[4..].copy_from_slice(&connections.to_le_bytes());
    m
}

/// Reads a worker's reports (the main process's side).
#[derive(Debug, Default)]
pub struct ReportReader {
    buf: Vec<u8>,
}

impl ReportReader {
    /// The next report, or `None` at the end of the stream.
    pub async fn next(&mut self, stream: &UnixStream) -> io::Result<Option<u64>> {
        loop {
            if self.buf.len() >= 12 {
                let len = u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]);
                if len != 8 {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "bad report"));
                }
                let mut n = [0u8; 8];
                n.copy_from_slice(&self.buf[4..12]);
                self.buf.drain(..12);
                return Ok(Some(u64::from_le_bytes(n)));
            }
            stream.readable().await?;
            let mut chunk = [0u8; 256];
            match stream.try_read(&mut chunk) {
                Ok(0) => return Ok(None),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Reads and decodes messages from the main process.
#[derive(Debug, Default)]
pub struct Reader {
    buf: BytesMut,
    fds: VecDeque<OwnedFd>,
}

impl Reader {
    /// The next message, or `None` at the end of the stream.
    pub async fn next(&mut self, stream: &UnixStream) -> io::Result<Option<ToWorker>> {
        loop {
            if let Some(msg) = self.decode()? {
                return Ok(Some(msg));
            }
            if self.fill(stream).await? == 0 {
                return Ok(None);
            }
        }
    }

    async fn fill(&mut self, stream: &UnixStream) -> io::Result<usize> {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            stream.readable().await?;
            let attempt = stream.try_io(Interest::READABLE, || {
                let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(16))];
                let mut control = RecvAncillaryBuffer::new(&mut space);
                let r = rustix::net::recvmsg(
                    stream,
                    &mut [IoSliceMut::new(&mut chunk)],
                    &mut control,
                    RecvFlags::CMSG_CLOEXEC,
                )
                .map_err(io::Error::from)?;
                for msg in control.drain() {
                    if let RecvAncillaryMessage::ScmRights(fds) = msg {
                        self.fds.extend(fds);
                    }
                }
                Ok(r.bytes)
            });
            match attempt {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn decode(&mut self) -> io::Result<Option<ToWorker>> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
        if self.buf.len() < 4 {
            return Ok(None);
        }
        let len = u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
        if len > MAX_MESSAGE {
            return Err(bad("message too large"));
        }
        if self.buf.len() < 4 + len {
            return Ok(None);
        }
        self.buf.advance(4);
        let mut body = self.buf.split_to(len).freeze();
        if body.len() < 3 {
            return Err(bad("short message"));
        }
        let tag = body.get_u8();
        let id_len = usize::from(body.get_u16_le());
        if body.len() < id_len + 9 {
            return Err(bad("short message"));
        }
        let election = String::from_utf8(body.split_to(id_len).to_vec())
            .map_err(|_| bad("election id is not UTF-8"))?;
        let flag = body.get_u8();
        let number = body.get_i64_le();
        match tag {
            TAG_FRAME | TAG_SNAPSHOT => {
                let text = Utf8Bytes::try_from(body).map_err(|_| bad("frame is not UTF-8"))?;
                let kind = if flag == 1 {
                    FrameKind::Snapshot
                } else {
                    FrameKind::Change
                };
                let frame = Frame::new(number, kind, text);
                Ok(Some(if tag == TAG_FRAME {
                    ToWorker::Frame { election, frame }
                } else {
                    ToWorker::Snapshot { election, frame }
                }))
            }
            TAG_HANDOFF => {
                let socket = self
                    .fds
                    .pop_front()
                    .ok_or_else(|| bad("hand-over without a descriptor"))?;
                Ok(Some(ToWorker::Handoff {
                    election,
                    since: (flag & 1 == 1).then_some(number),
                    deflate: flag & 2 == 2,
                    prefix: body,
                    socket,
                }))
            }
            _ => Err(bad("unknown message")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_and_descriptors_arrive_in_order() {
        let (a, b) = UnixStream::pair().expect("socket pair");
        let frame = Frame::new(
            42,
            FrameKind::Change,
            Utf8Bytes::from_static("{\"type\":\"seq\",\"seq\":42}"),
        );
        let (s1, _keep1) = UnixStream::pair().expect("pair");
        let s1: OwnedFd = s1.into_std().expect("std").into();
        send(&a, &encode_frame("e1", &frame, false), None)
            .await
            .expect("send");
        send(&a, &encode_handoff("e1", Some(41), true, b"xy"), Some(&s1))
            .await
            .expect("send");
        send(&a, &encode_frame("e1", &frame, true), None)
            .await
            .expect("send");
        drop(a);
        let mut r = Reader::default();
        match r.next(&b).await.expect("read") {
            Some(ToWorker::Frame { election, frame }) => {
                assert_eq!(election, "e1");
                assert_eq!(frame.seq, 42);
                assert_eq!(frame.text.as_str(), "{\"type\":\"seq\",\"seq\":42}");
            }
            other => panic!("expected a frame, got {other:?}"),
        }
        match r.next(&b).await.expect("read") {
            Some(ToWorker::Handoff {
                since,
                deflate,
                prefix,
                ..
            }) => {
                assert_eq!(since, Some(41));
                assert!(deflate);
                assert_eq!(&prefix[..], b"xy");
            }
            other => panic!("expected a hand-over, got {other:?}"),
        }
        assert!(matches!(
            r.next(&b).await.expect("read"),
            Some(ToWorker::Snapshot { .. })
        ));
        assert!(r.next(&b).await.expect("read").is_none());
    }

    #[tokio::test]
    async fn reports_go_the_other_way() {
        let (a, b) = UnixStream::pair().expect("socket pair");
        send(&b, &encode_report(19_999), None).await.expect("send");
        send(&b, &encode_report(3), None).await.expect("send");
        drop(b);
        let mut r = ReportReader::default();
        assert_eq!(r.next(&a).await.expect("read"), Some(19_999));
        assert_eq!(r.next(&a).await.expect("read"), Some(3));
        assert_eq!(r.next(&a).await.expect("read"), None);
    }
}
