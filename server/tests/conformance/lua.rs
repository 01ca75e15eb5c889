//! The Lua scripts against a real Redis: each contract comment covers its code, and the code keeps it.

use super::*;
use uuid::Uuid;
use zkshare_server::domain::{Creator, Owner};
use zkshare_server::store::Recipients;

/// The `--` comment block that opens a script.
fn header_comment(script: &str) -> String {
    script
        .lines()
        .take_while(|l| l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every KEYS[i]/ARGV[i] the code uses and every status it returns is in its contract.
fn contract_covers_code(script: &str) -> Result<(), String> {
    let header = header_comment(script);
    if header.is_empty() {
        return Err("no contract comment".into());
    }
    if !header.contains("Returns") {
        return Err("no Returns section".into());
    }
    let code: String = script
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    for word in ["KEYS[", "ARGV["] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(word) {
            let tail = &rest[i..];
            let end = tail.find(']').unwrap();
            let used = &tail[..=end];
            if !header.contains(used) {
                return Err(format!("{used} used but not documented"));
            }
            rest = &tail[end..];
        }
    }
    let mut rest = code.as_str();
    while let Some(i) = rest.find("return {'") {
        let tail = &rest[i + 9..];
        let end = tail.find('\'').unwrap();
        let status = &tail[..end];
        if !header.contains(&format!("\"{status}\"")) {
            return Err(format!(
                "returns {status:?} but the contract does not say so"
            ));
        }
        rest = &tail[end..];
    }
    Ok(())
}

#[test]
fn lua_contract_comments_cover_the_code() {
    use zkshare_server::store::redis::{CONSUME_VIEW_LUA, DELETE_SECRET_LUA};
    for (name, script) in [
        ("consume_view.lua", CONSUME_VIEW_LUA),
        ("delete_secret.lua", DELETE_SECRET_LUA),
    ] {
        assert_eq!(contract_covers_code(script), Ok(()), "{name}");
    }
    // The checker itself catches drift.
    let undocumented_status = "-- KEYS[1] key\n-- Returns {\"a\"}\nreturn {'b'}\n";
    assert!(contract_covers_code(undocumented_status).is_err());
    let undocumented_arg = "-- KEYS[1] key\n-- Returns {\"a\"}\nlocal x = ARGV[1]\nreturn {'a'}\n";
    assert!(contract_covers_code(undocumented_arg).is_err());
}

/// `local NAME = number` lines of a script.
fn lua_constants(script: &str) -> Vec<(String, usize)> {
    script
        .lines()
        .filter_map(|line| {
            let (name, value) = line.strip_prefix("local ")?.split_once(" = ")?;
            let name = name.trim();
            let is_constant = name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
            Some((
                name.to_string(),
                value.trim().parse().ok().filter(|_| is_constant)?,
            ))
        })
        .collect()
}

#[test]
fn lua_layout_constants_match_record_rs() {
    use zkshare_server::store::redis::{CONSUME_VIEW_LUA, DELETE_SECRET_LUA};
    for (name, script) in [
        ("consume_view.lua", CONSUME_VIEW_LUA),
        ("delete_secret.lua", DELETE_SECRET_LUA),
    ] {
        let found = lua_constants(script);
        assert!(found.len() >= 4, "{name}: {found:?}");
        for (constant, value) in found {
            let expected = record::LUA_CONSTANTS
                .iter()
                .find(|(n, _)| *n == constant)
                .unwrap_or_else(|| panic!("{name}: {constant} is not a record.rs constant"));
            assert_eq!(value, expected.1, "{name}: {constant}");
        }
    }
    // The parser sees drift.
    assert_eq!(
        lua_constants("local OFF_VIEWS = 31\nlocal key = KEYS[1]\n"),
        vec![("OFF_VIEWS".to_string(), 31)]
    );
}

/// A script reply: the status and the other elements as bytes.
fn reply(v: redis::Value) -> (String, Vec<Vec<u8>>) {
    let redis::Value::Array(items) = v else {
        panic!("not an array: {v:?}")
    };
    let mut items = items.into_iter().map(|i| match i {
        redis::Value::BulkString(b) => b,
        other => panic!("unexpected {other:?}"),
    });
    let status = String::from_utf8(items.next().expect("a status")).unwrap();
    (status, items.collect())
}

/// The printable elements of a reply (a refusal's last element, the metadata prefix, is binary).
fn words(items: &[Vec<u8>]) -> Vec<&str> {
    items
        .iter()
        .filter_map(|b| std::str::from_utf8(b).ok())
        .filter(|w| w.bytes().all(|c| c.is_ascii_graphic()))
        .collect()
}

/// A record as the server would store it; a password-mode envelope when `password` is set.
fn packed(views: Option<u32>, password: Option<Digest>, access: AccessType) -> Vec<u8> {
    let mode = if password.is_some() { 3 } else { 1 };
    let password = password.map(|digest| PasswordCheck { digest, salt: None });
    packed_with(mode, views, password, access, None)
}

fn packed_with(
    mode: u8,
    views: Option<u32>,
    password: Option<PasswordCheck>,
    access: AccessType,
    owner: Option<Owner>,
) -> Vec<u8> {
    let envelope = envelope(mode, 1);
    record::encode(&NewSecret {
        id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        envelope_header: envelope.split('.').next().unwrap().to_string(),
        envelope,
        name: Some("n".into()),
        access_type: access,
        created_at: 1,
        expires_at: 2_000_000,
        max_views: views,
        password,
        delete_token_digest: [0xdd; 32],
        owner,
        recipients: None,
        notify_on_view: false,
    })
    .unwrap()
}

async fn put(c: &mut redis::aio::MultiplexedConnection, key: &str, value: &[u8]) {
    let _: () = c.set(key, value).await.unwrap();
}

async fn stored(c: &mut redis::aio::MultiplexedConnection, key: &str) -> Option<Vec<u8>> {
    c.get(key).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lua_consume_view_contract() {
    use zkshare_server::store::redis::CONSUME_VIEW_LUA;
    let redis = RedisServer::start();
    let mut c = redis.async_connection().await;
    let conn = c.clone();
    let script = redis::Script::new(CONSUME_VIEW_LUA);
    let now = 1_000_000i64;
    let call_as = |key: &'static str,
                   now: i64,
                   digest: &[u8],
                   limit: u32,
                   org: &[u8],
                   email: &[u8],
                   token: &[u8]| {
        let (script, digest, org) = (script.clone(), digest.to_vec(), org.to_vec());
        let (email, token) = (email.to_vec(), token.to_vec());
        let mut c = conn.clone();
        async move {
            let v: Result<redis::Value, _> = script
                .key(key)
                .arg(now)
                .arg(digest)
                .arg(limit)
                .arg(org)
                .arg(email)
                .arg(token)
                .invoke_async(&mut c)
                .await;
            v.map(reply)
        }
    };
    let call = |key: &'static str, now: i64, digest: &[u8], limit: u32, org: &[u8]| {
        call_as(key, now, digest, limit, org, b"", b"")
    };
    let good = [0xaa; 32];
    let bad = [0xbb; 32];
    let open = packed(None, None, AccessType::Anyone);
    let failures = |r: &[u8]| u32::from_be_bytes(r[34..38].try_into().unwrap());

    // not_found: unknown.
    let r = call("k:none", now, b"", 3, b"").await.unwrap();
    assert_eq!((r.0.as_str(), r.1.len()), ("not_found", 0));
    // not_found: expired (by the caller's clock) → deleted.
    put(&mut c, "k:exp", &open).await;
    let r = call("k:exp", 2_000_000, b"", 3, b"").await.unwrap();
    assert_eq!(r.0, "not_found");
    assert_eq!(stored(&mut c, "k:exp").await, None);
    // not_found: no views left → deleted.
    put(&mut c, "k:zero", &packed(Some(0), None, AccessType::Anyone)).await;
    assert_eq!(
        call("k:zero", now, b"", 3, b"").await.unwrap().0,
        "not_found"
    );
    assert_eq!(stored(&mut c, "k:zero").await, None);
    // restricted: checked before the password; nothing changes. ARGV[4] must be the owner's
    // organization: no organization, another one, or a record without an owner is refused.
    let ours = Uuid::from_u128(0x0a);
    let theirs = Uuid::from_u128(0x0b);
    let owner = Owner {
        org: ours,
        creator: Creator::Machine(Uuid::from_u128(0x1d)),
    };
    let org = packed_with(
        3,
        Some(1),
        Some(PasswordCheck {
            digest: good,
            salt: None,
        }),
        AccessType::Organization,
        Some(owner),
    );
    put(&mut c, "k:org", &org).await;
    for viewer in [&b""[..], theirs.as_bytes(), &ours.as_bytes()[..15], b"1"] {
        let r = call("k:org", now, &good, 3, viewer).await.unwrap();
        assert_eq!(
            (r.0.as_str(), words(&r.1)),
            ("restricted", vec!["organization"]),
            "{viewer:?}"
        );
    }
    assert_eq!(stored(&mut c, "k:org").await.unwrap(), org);
    let unowned = packed(Some(1), Some(good), AccessType::Organization);
    put(&mut c, "k:unowned", &unowned).await;
    let r = call("k:unowned", now, &good, 3, ours.as_bytes())
        .await
        .unwrap();
    assert_eq!(r.0, "restricted");
    assert_eq!(stored(&mut c, "k:unowned").await.unwrap(), unowned);
    // The owner's organization lets it through to the password check.
    let r = call("k:org", now, &bad, 3, ours.as_bytes()).await.unwrap();
    assert_eq!(r.0, "invalid_credentials");
    let r = call("k:org", now, &good, 3, ours.as_bytes()).await.unwrap();
    assert_eq!(r.0, "granted");
    assert_eq!(
        record::decode("k", &r.1[0]).unwrap().0.owner,
        Some(owner),
        "the record returned keeps its owner"
    );
    // An anyone secret with an owner is open to every viewer.
    let open_owned = packed_with(1, Some(2), None, AccessType::Anyone, Some(owner));
    put(&mut c, "k:open-owned", &open_owned).await;
    assert_eq!(
        call("k:open-owned", now, b"", 3, b"").await.unwrap().0,
        "granted"
    );
    assert_eq!(
        call("k:open-owned", now, b"", 3, theirs.as_bytes())
            .await
            .unwrap()
            .0,
        "granted"
    );

    // Recipients: checked after the organization and before the password; ARGV[5] must be one
    // of the address digests, or ARGV[6] one of the token digests (external recipients only).
    let (alice, bob, token) = ([0xa1; 32], [0xb0; 32], [0x70; 32]);
    let to = |tokens: Option<Vec<Digest>>| {
        let envelope = envelope(3, 1);
        record::encode(&NewSecret {
            id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
            envelope_header: envelope.split('.').next().unwrap().to_string(),
            envelope,
            name: Some("n".into()),
            access_type: AccessType::Anyone,
            created_at: 1,
            expires_at: 2_000_000,
            max_views: Some(2),
            password: Some(PasswordCheck {
                digest: good,
                salt: None,
            }),
            delete_token_digest: [0xdd; 32],
            owner: Some(owner),
            recipients: Some(Recipients {
                emails: vec![alice, bob],
                tokens,
            }),
            notify_on_view: false,
        })
        .unwrap()
    };
    let members_only = to(None);
    put(&mut c, "k:emails", &members_only).await;
    for (email, tok) in [
        (&b""[..], &b""[..]),
        (&[0xcc; 32][..], &b""[..]),
        (&b""[..], &token[..]),
    ] {
        let r = call_as("k:emails", now, &good, 3, b"", email, tok)
            .await
            .unwrap();
        assert_eq!((r.0.as_str(), words(&r.1)), ("restricted", vec!["emails"]));
    }
    assert_eq!(
        stored(&mut c, "k:emails").await.unwrap(),
        members_only,
        "nothing changed"
    );
    let r = call_as("k:emails", now, &bad, 3, b"", &bob, b"")
        .await
        .unwrap();
    assert_eq!(
        r.0, "invalid_credentials",
        "a listed address reaches the password check"
    );
    let r = call_as("k:emails", now, &good, 3, b"", &alice, b"")
        .await
        .unwrap();
    assert_eq!(r.0, "granted");
    let external = to(Some(vec![[0x71; 32], token]));
    put(&mut c, "k:external", &external).await;
    let r = call_as("k:external", now, &good, 3, b"", b"", &[0x72; 32])
        .await
        .unwrap();
    assert_eq!(r.0, "restricted", "an unknown token");
    let r = call_as("k:external", now, &good, 3, b"", b"", &token)
        .await
        .unwrap();
    assert_eq!(r.0, "granted", "the second recipient's token");
    let r = call_as("k:external", now, &good, 3, b"", &alice, b"")
        .await
        .unwrap();
    assert_eq!(r.0, "granted", "or a listed address");

    // password_required / invalid_credentials / destroyed at the limit.
    let pw = packed(Some(5), Some(good), AccessType::Anyone);
    put(&mut c, "k:pw", &pw).await;
    let r = call("k:pw", now, b"", 4, b"").await.unwrap();
    assert_eq!(
        (r.0.as_str(), words(&r.1)),
        ("password_required", vec!["1", "0"])
    );
    let r = call("k:pw", now, &bad, 4, b"").await.unwrap();
    assert_eq!(
        (r.0.as_str(), words(&r.1)),
        ("invalid_credentials", vec!["2", "0"])
    );
    // A refusal ends with the metadata prefix as after the step (the failure counted).
    assert_eq!(r.1.len(), 3);
    let refused_meta = record::decode_meta("k", &r.1[2]).unwrap();
    assert_eq!(refused_meta, record::decode_meta("k", &pw).unwrap());
    assert_eq!(failures(&r.1[2]), 2);
    let r = call("k:pw", now, &good[..31], 4, b"").await.unwrap();
    assert_eq!(
        (r.0.as_str(), words(&r.1)),
        ("invalid_credentials", vec!["3", "0"])
    );
    let after_failures = stored(&mut c, "k:pw").await.unwrap();
    assert_eq!(failures(&after_failures), 3);
    assert_eq!(after_failures[38..], pw[38..], "only the counter changed");
    assert_eq!(after_failures[..34], pw[..34], "only the counter changed");
    // granted below the limit: the record as after the view.
    let r = call("k:pw", now, &good, 4, b"").await.unwrap();
    assert_eq!((r.0.as_str(), r.1.len()), ("granted", 1));
    let (meta, envelope) = record::decode("k", &r.1[0]).unwrap();
    assert_eq!(meta.views_remaining, Some(4));
    assert_eq!(meta.last_viewed_at, Some(now));
    assert_eq!(meta.name.as_deref(), Some("n"));
    assert_eq!(envelope, record::decode("k", &pw).unwrap().1);
    assert_eq!(
        stored(&mut c, "k:pw").await.unwrap(),
        r.1[0],
        "returned = stored"
    );
    let r = call("k:pw", now, &bad, 4, b"").await.unwrap();
    assert_eq!(
        (r.0.as_str(), words(&r.1)),
        ("invalid_credentials", vec!["4", "1"])
    );
    assert_eq!(stored(&mut c, "k:pw").await, None);

    // Mode key with a verifier: refusals are not counted and change nothing.
    let key_mode = packed_with(
        1,
        Some(1),
        Some(PasswordCheck {
            digest: good,
            salt: None,
        }),
        AccessType::Anyone,
        None,
    );
    put(&mut c, "k:keymode", &key_mode).await;
    for digest in [&b""[..], &bad[..], &bad[..], &bad[..], &bad[..]] {
        let r = call("k:keymode", now, digest, 2, b"").await.unwrap();
        assert_eq!(words(&r.1), vec!["0", "0"]);
    }
    assert_eq!(stored(&mut c, "k:keymode").await.unwrap(), key_mode);
    assert_eq!(
        call("k:keymode", now, &good, 2, b"").await.unwrap().0,
        "granted"
    );
    // Mode key with a plain password (digest and salt): counted.
    let plain = packed_with(
        1,
        None,
        Some(PasswordCheck {
            digest: good,
            salt: Some([3; 16]),
        }),
        AccessType::Anyone,
        None,
    );
    put(&mut c, "k:plain", &plain).await;
    let r = call("k:plain", now, &bad, 2, b"").await.unwrap();
    assert_eq!(words(&r.1), vec!["1", "0"]);
    let r = call("k:plain", now, &bad, 2, b"").await.unwrap();
    assert_eq!(words(&r.1), vec!["2", "1"]);
    assert_eq!(stored(&mut c, "k:plain").await, None);

    // limit 0 = never destroyed.
    put(
        &mut c,
        "k:nolimit",
        &packed(None, Some(good), AccessType::Anyone),
    )
    .await;
    for i in 1..=20 {
        let r = call("k:nolimit", now, &bad, 0, b"").await.unwrap();
        let i = i.to_string();
        assert_eq!(
            (r.0.as_str(), words(&r.1)),
            ("invalid_credentials", vec![i.as_str(), "0"])
        );
    }
    // unlimited stays unlimited.
    let r = call("k:nolimit", now + 1, &good, 0, b"").await.unwrap();
    let meta = record::decode_meta("k", &r.1[0]).unwrap();
    assert_eq!(
        (meta.views_remaining, meta.last_viewed_at),
        (None, Some(now + 1))
    );
    // The last view deletes and still returns the record, with no views left.
    put(&mut c, "k:last", &packed(Some(1), None, AccessType::Anyone)).await;
    let r = call("k:last", now, b"", 3, b"").await.unwrap();
    assert_eq!(r.0, "granted");
    assert_eq!(
        record::decode_meta("k", &r.1[0]).unwrap().views_remaining,
        Some(0)
    );
    assert_eq!(stored(&mut c, "k:last").await, None);
    // No password stored: a presented digest is ignored.
    put(&mut c, "k:open", &open).await;
    assert_eq!(
        call("k:open", now, &bad, 3, b"").await.unwrap().0,
        "granted"
    );
    // Not a record of this layout: an error, and the value is left alone.
    put(&mut c, "k:other", b"\x02whatever").await;
    let err = call("k:other", now, b"", 3, b"")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown record layout"), "{err}");
    assert_eq!(stored(&mut c, "k:other").await.unwrap(), b"\x02whatever");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lua_delete_secret_contract() {
    use zkshare_server::store::redis::DELETE_SECRET_LUA;
    let redis = RedisServer::start();
    let mut c = redis.async_connection().await;
    let conn = c.clone();
    let script = redis::Script::new(DELETE_SECRET_LUA);
    let call = |key: &'static str, now: i64, digest: &[u8]| {
        let (script, digest) = (script.clone(), digest.to_vec());
        let mut c = conn.clone();
        async move {
            let v: Result<redis::Value, _> = script
                .key(key)
                .arg(now)
                .arg(digest)
                .invoke_async(&mut c)
                .await;
            v.map(reply)
        }
    };
    let secret = packed(Some(3), None, AccessType::Anyone);
    let token = [0xdd; 32];
    assert_eq!(call("d:none", 5, &token).await.unwrap().0, "not_found");
    put(&mut c, "d:1", &secret).await;
    assert_eq!(call("d:1", 5, &[0xde; 32]).await.unwrap().0, "forbidden");
    assert_eq!(call("d:1", 5, b"").await.unwrap().0, "forbidden");
    assert_eq!(stored(&mut c, "d:1").await.unwrap(), secret, "unchanged");
    let r = call("d:1", 5, &token).await.unwrap();
    assert_eq!((r.0.as_str(), r.1.len()), ("deleted", 1));
    let meta_len = record::FIXED_LEN + usize::from(secret[4]) + usize::from(secret[5]);
    assert_eq!(r.1[0], secret[..meta_len], "the metadata prefix, no body");
    assert_eq!(
        record::decode_meta("k", &r.1[0]).unwrap(),
        record::decode_meta("k", &secret).unwrap()
    );
    assert_eq!(stored(&mut c, "d:1").await, None);
    put(&mut c, "d:exp", &secret).await;
    assert_eq!(
        call("d:exp", 2_000_000, &token).await.unwrap().0,
        "not_found"
    );
    assert_eq!(stored(&mut c, "d:exp").await, None);
    // No views left counts as gone, as in consume_view.lua.
    put(&mut c, "d:used", &packed(Some(0), None, AccessType::Anyone)).await;
    assert_eq!(call("d:used", 5, &token).await.unwrap().0, "not_found");
    assert_eq!(stored(&mut c, "d:used").await, None);
    // An owned record's metadata prefix includes the owner segment.
    let owner = Owner {
        org: Uuid::from_u128(7),
        creator: Creator::User(Uuid::from_u128(8)),
    };
    let owned = packed_with(1, Some(3), None, AccessType::Organization, Some(owner));
    put(&mut c, "d:owned", &owned).await;
    let r = call("d:owned", 5, &token).await.unwrap();
    assert_eq!(r.0, "deleted");
    let meta_len = record::FIXED_LEN + usize::from(owned[4]) + usize::from(owned[5]);
    assert_eq!(r.1[0], owned[..meta_len + record::OWNER_LEN]);
    assert_eq!(
        record::decode_meta("k", &r.1[0]).unwrap().owner,
        Some(owner)
    );
    put(&mut c, "d:other", b"\x02whatever").await;
    let err = call("d:other", 5, &token).await.unwrap_err().to_string();
    assert!(err.contains("unknown record layout"), "{err}");
}
