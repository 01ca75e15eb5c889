//! Fuzzes the rate limit's client address (`server/src/net.rs`): the X-Forwarded-For header a
//! trusted proxy passes on, and the CIDR parser of `--trusted-proxies`. Never a panic; the
//! answer is the peer itself unless the peer is trusted, else the peer or a hop of the header.
#![no_main]

use std::net::{IpAddr, SocketAddr};

use arbitrary::Arbitrary;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request};
use libfuzzer_sys::fuzz_target;
use zkshare_server::net::{IpNet, bucket_of, client_ip};

#[derive(Arbitrary, Debug)]
struct Input {
    peer: IpAddr,
    trusted: Vec<String>,
    forwarded: Vec<Vec<u8>>,
}

fuzz_target!(|input: Input| {
    let mut nets = Vec::new();
    for text in &input.trusted {
        if let Ok(net) = text.parse::<IpNet>() {
            // A network contains the address it was written with.
            let ip = text.split_once('/').map_or(text.as_str(), |(ip, _)| ip);
            let ip: IpAddr = ip.parse().expect("the parser accepted this address");
            assert!(net.contains(ip), "{text:?}");
            nets.push(net);
        }
    }

    let mut request = Request::new(());
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(input.peer, 40_000)));
    let mut hops = Vec::new();
    for value in &input.forwarded {
        if let Ok(header) = HeaderValue::from_bytes(value) {
            if let Ok(text) = header.to_str() {
                hops.extend(text.split(',').filter_map(|hop| parse_hop(hop.trim())));
            }
            request.headers_mut().append("x-forwarded-for", header);
        }
    }

    let client = client_ip(&request, &nets).expect("a request with a peer has a client");
    let peer = input.peer.to_canonical();
    if nets.iter().any(|n| n.contains(peer)) {
        assert!(
            client == peer || hops.contains(&client),
            "{client} from {input:?}"
        );
    } else {
        assert_eq!(client, peer, "an untrusted peer's header is ignored");
    }
    let bucket = bucket_of(client);
    assert_eq!(bucket_of(bucket), bucket);
});

/// A hop as X-Forwarded-For writes it: an address, or an address and port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}
