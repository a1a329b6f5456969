//! Who is at the other end: the client's address for the login throttle
//! and the session list.
//!
//! It is the TCP peer's address, unless that peer is a configured trusted
//! proxy (`urne serve --trusted-proxy CIDR`, e.g. the nginx in front): then
//! it is the rightmost address of `X-Forwarded-For` that is not itself a
//! trusted proxy. A client cannot forge it: the header is read only from a
//! trusted peer, and the entries a client put on the left are never reached
//! past the first untrusted one.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use super::AuthState;

/// The client's address, when the connection's is known (it is not under
/// a server that did not record it, e.g. in a test router): throttling
/// then counts the pair (account, unknown). Never a rejection, never a 500.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

/// The client's address from the TCP peer and the headers.
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer.map(canonical)?;
    let is_trusted = |a: &IpAddr| trusted.iter().any(|n| n.contains(a));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map(|a| a.parse::<IpAddr>().ok().map(canonical))
        .collect::<Option<Vec<_>>>()
        // A malformed header names nobody: count the proxy itself.
        .unwrap_or_default();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|a| !is_trusted(a))
            .unwrap_or(peer),
    )
}

/// `::ffff:1.2.3.4` is 1.2.3.4.
fn canonical(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    }
}

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    AuthState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AuthState::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(client_addr(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().expect("header"));
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["127.0.0.1/32".parse().expect("net")];
        let h = headers("203.0.113.9");
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &h, &trusted),
            Some(ip("203.0.113.9"))
        );
        // From anyone else the header is ignored.
        assert_eq!(
            client_addr(Some(ip("198.51.100.1")), &h, &trusted),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &h, &[]),
            Some(ip("127.0.0.1"))
        );
    }

    #[test]
    fn a_client_cannot_prepend_an_address() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        // The client sent "X-Forwarded-For: 1.1.1.1"; nginx appended its peer.
        let h = headers("1.1.1.1, 203.0.113.9, 10.0.0.2");
        assert_eq!(
            client_addr(Some(ip("10.0.0.1")), &h, &trusted),
            Some(ip("203.0.113.9"))
        );
        // Garbage names nobody: the proxy itself is counted.
        let h = headers("not an address");
        assert_eq!(
            client_addr(Some(ip("10.0.0.1")), &h, &trusted),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(client_addr(None, &h, &trusted), None);
    }
}
