//! A server that lies about a secret request's key: a proxy to the real server that swaps the requester's public key in every view of a request.
//!
//! Answering clients (the answer page, `zkshare answer`) must compare the served key with the
//! commitment in the answer link and refuse before they encrypt anything; this is the server
//! they are tested against. It forwards every request and answer unchanged otherwise (pages,
//! scripts and their headers too), so a browser runs the real pages through it.

use crate::stub::{Recorded, Reply, StubServer};

/// Request and response headers that belong to one connection, not to the message.
const HOP_BY_HOP: &[&str] = &[
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
];

/// Forwards `request` to `upstream` (`http://host:port`) and returns its answer, headers included.
pub fn forward(http: &reqwest::blocking::Client, upstream: &str, request: &Recorded) -> Reply {
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("an HTTP method");
    let mut outgoing = http.request(method, format!("{upstream}{}", request.path));
    for (name, value) in &request.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            outgoing = outgoing.header(name, value);
        }
    }
    let response = outgoing
        .body(request.body.clone())
        .send()
        .expect("the upstream server answers");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter(|(name, _)| !HOP_BY_HOP.contains(&name.as_str()))
        .map(|(name, value)| {
            (
                name.to_string(),
                value.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    Reply {
        status,
        headers,
        body: response.bytes().expect("the upstream body").to_vec(),
    }
}

/// A proxy to `upstream` that serves `substitute` as the `publicKey` of every request's view
/// (`GET /api/v1/shared-secrets/requests/{id}`), or passes everything on unchanged when it is
/// `None` (the positive control). [`StubServer::got`] tells whether an answer was sent.
pub fn key_swapping_proxy(upstream: &str, substitute: Option<String>) -> StubServer {
    let upstream = upstream.to_string();
    // Built (and later dropped) on a plain thread: a blocking client may not live on an async one.
    let http = std::thread::spawn(|| {
        reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client")
    })
    .join()
    .expect("building the client");
    StubServer::start(move |request| {
        let mut reply = forward(&http, &upstream, request);
        let path = request.path.split('?').next().unwrap_or_default();
        let is_view = request.method == "GET"
            && path
                .strip_prefix("/api/v1/shared-secrets/requests/")
                .is_some_and(|id| !id.is_empty() && !id.contains('/'));
        if let (Some(key), true, 200) = (&substitute, is_view, reply.status) {
            let mut view: serde_json::Value =
                serde_json::from_slice(&reply.body).expect("a request's view is JSON");
            view["publicKey"] = serde_json::json!(key);
            reply.body = view.to_string().into_bytes();
        }
        reply
    })
}
