//! Differential test: the Redis Lua scripts and `store::rules` run the same random operations and must answer alike and leave the same bytes.
//!
//! One seeded sequence of creates (every envelope mode, password kind, view limit and access
//! type, with and without an owner), views (no, right and wrong proofs; failure limits;
//! viewers in the owner's organization, in another one and in none; recipients by address and
//! by mailed token), deletes (right and wrong tokens, the owner and others) and clock moves runs
//! against `consume_view.lua`
//! and `delete_secret.lua` on a real `redis-server`, and against `rules.rs` over an in-memory
//! map. After every step the replies and the stored records must be equal byte for byte. Set
//! `ZKSHARE_DIFF_SEED` to replay a failing seed (printed with every failure).

mod common;

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};
use redis::AsyncCommands as _;
use zkshare_server::domain::{Creator, OrgId, Owner, PrincipalKind, ViewerClaims};
use zkshare_server::store::record;
use zkshare_server::store::redis::{CONSUME_VIEW_LUA, DELETE_SECRET_LUA};
use zkshare_server::store::rules::{self, Removal, Step, View};
use zkshare_server::store::{
    AccessType, ConsumeRequest, DeleteProof, Digest, NewSecret, PasswordCheck, Recipients,
};

use common::RedisServer;

const OPERATIONS: usize = 4_000;
const IDS: usize = 6;

/// The organizations owners and viewers are drawn from: few, so that they often meet.
fn org(n: u128) -> OrgId {
    OrgId::from_u128(0x5eed_0000_0000_0000_0000_0000_0000_0000 + n)
}

/// No owner, or a user or machine identity of organization 1 or 2.
fn random_owner(rng: &mut StdRng) -> Option<Owner> {
    let id = uuid::Uuid::from_u128(rng.random());
    match rng.random_range(0..4u32) {
        0 => None,
        1 => Some(Owner {
            org: org(1),
            creator: Creator::User(id),
        }),
        2 => Some(Owner {
            org: org(1),
            creator: Creator::Machine(id),
        }),
        _ => Some(Owner {
            org: org(2),
            creator: Creator::User(id),
        }),
    }
}

/// The digests recipients and viewers are drawn from: few, so that they often meet.
fn pool(rng: &mut StdRng) -> Digest {
    [rng.random_range(1..6u8); 32]
}

/// No recipients, or 1 to 3 from the pool, with tokens (external) or not; only with an owner.
fn random_recipients(rng: &mut StdRng, owned: bool) -> Option<Recipients> {
    if !owned || rng.random_bool(0.5) {
        return None;
    }
    let n = rng.random_range(1..4);
    let emails: Vec<Digest> = (0..n).map(|_| pool(rng)).collect();
    let tokens = rng
        .random_bool(0.5)
        .then(|| (0..n).map(|_| pool(rng)).collect());
    Some(Recipients { emails, tokens })
}

/// Whether the viewer is one of the recipients (by token where tokens exist, or by address).
fn admitted(recipients: &Recipients, request: &ConsumeRequest) -> bool {
    let by_token = recipients
        .tokens
        .as_ref()
        .zip(request.token_digest.as_ref())
        .is_some_and(|(t, d)| t.contains(d));
    by_token
        || request
            .email_digest
            .as_ref()
            .is_some_and(|d| recipients.emails.contains(d))
}

/// Which access rule a view that found a live record went through, to require each is reached.
fn access_branch(record: &[u8], viewer: &ViewerClaims) -> &'static str {
    let meta = record::decode_meta("x", record).expect("a valid record");
    match (meta.access_type, meta.owner, viewer.org_id) {
        (AccessType::Anyone, None, _) => "anyone",
        (AccessType::Anyone, Some(_), _) => "anyone owned",
        (AccessType::Organization, None, _) => "organization without owner",
        (AccessType::Organization, Some(_), None) => "organization, viewer in none",
        (AccessType::Organization, Some(o), Some(v)) if o.org == v => "organization, viewer in it",
        (AccessType::Organization, Some(_), Some(_)) => "organization, viewer in another",
    }
}

/// Reply elements as text where they are printable, else as hex (so a failure reads easily).
fn show(items: Vec<Vec<u8>>) -> Vec<String> {
    items
        .into_iter()
        .map(|b| match std::str::from_utf8(&b) {
            Ok(text) if text.bytes().all(|c| c.is_ascii_graphic()) => format!("text:{text}"),
            _ => format!("hex:{}", hex::encode(&b)),
        })
        .collect()
}

/// A script reply as the status and the other elements' bytes.
fn reply(v: redis::Value) -> Vec<Vec<u8>> {
    let redis::Value::Array(items) = v else {
        panic!("not an array: {v:?}")
    };
    items
        .into_iter()
        .map(|i| match i {
            redis::Value::BulkString(b) => b,
            redis::Value::SimpleString(s) => s.into_bytes(),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

fn words(items: &[&[u8]]) -> Vec<Vec<u8>> {
    items.iter().map(|w| w.to_vec()).collect()
}

/// The reply consume_view.lua gives for what the rules decided.
fn expected_view(view: View, record: &[u8]) -> Vec<Vec<u8>> {
    match view {
        View::NotFound => words(&[b"not_found"]),
        View::Restricted(rule) => vec![
            b"restricted".to_vec(),
            rule.as_str().as_bytes().to_vec(),
            record[..record::meta_len(record).unwrap()].to_vec(),
        ],
        View::Refused {
            proof_presented,
            failures,
            destroyed,
        } => {
            let status: &[u8] = if proof_presented {
                b"invalid_credentials"
            } else {
                b"password_required"
            };
            vec![
                status.to_vec(),
                failures.to_string().into_bytes(),
                if destroyed {
                    b"1".to_vec()
                } else {
                    b"0".to_vec()
                },
                record[..record::meta_len(record).unwrap()].to_vec(),
            ]
        }
        View::Granted { .. } => vec![b"granted".to_vec(), record.to_vec()],
    }
}

fn envelope(rng: &mut StdRng, mode: u8) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut header = vec![0x01, mode];
    header.extend((0..44).map(|_| rng.random::<u8>()));
    let body: Vec<u8> = (0..rng.random_range(28..120usize))
        .map(|_| rng.random::<u8>())
        .collect();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&header),
        URL_SAFE_NO_PAD.encode(&body)
    )
}

/// What a created secret's proofs are, to present the right or a wrong one later.
struct Proofs {
    password: Option<Digest>,
    delete: Digest,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lua_scripts_and_rules_agree_on_random_operations() {
    let seed = std::env::var("ZKSHARE_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    let mut rng = StdRng::seed_from_u64(seed);
    let redis = RedisServer::start();
    let mut c = redis.async_connection().await;
    let consume_script = redis::Script::new(CONSUME_VIEW_LUA);
    let delete_script = redis::Script::new(DELETE_SECRET_LUA);

    let mut model: HashMap<String, Vec<u8>> = HashMap::new();
    let mut proofs: HashMap<String, Proofs> = HashMap::new();
    let mut all_recipients: HashMap<String, Recipients> = HashMap::new();
    let mut owners: HashMap<String, Option<Owner>> = HashMap::new();
    let mut now: i64 = 1_000_000;
    let mut seen = HashMap::<&str, usize>::new();

    for op in 0..OPERATIONS {
        let context = format!("seed {seed} (ZKSHARE_DIFF_SEED), operation {op}");
        let id = format!("id{}", rng.random_range(0..IDS));
        let key = format!("zkshare:diff:{{{id}}}");
        match rng.random_range(0..10u32) {
            // Create (or replace: the same bytes go to both sides).
            0..=2 => {
                let mode = rng.random_range(1..=3u8);
                let password = match rng.random_range(0..3u32) {
                    0 => None,
                    1 => Some(PasswordCheck {
                        digest: rng.random(),
                        salt: None,
                    }),
                    _ => Some(PasswordCheck {
                        digest: rng.random(),
                        salt: Some(rng.random()),
                    }),
                };
                let envelope = envelope(&mut rng, mode);
                let secret = NewSecret {
                    id: id.clone(),
                    envelope_header: envelope.split('.').next().unwrap().to_string(),
                    envelope,
                    name: rng
                        .random_bool(0.5)
                        .then(|| "n".repeat(rng.random_range(0..5))),
                    access_type: if rng.random_bool(0.4) {
                        AccessType::Organization
                    } else {
                        AccessType::Anyone
                    },
                    created_at: now,
                    expires_at: now + rng.random_range(1..200),
                    max_views: match rng.random_range(0..4u32) {
                        0 => None,
                        1 => Some(0),
                        _ => Some(rng.random_range(1..5)),
                    },
                    password: password.clone(),
                    delete_token_digest: rng.random(),
                    owner: None,
                    recipients: None,
                    notify_on_view: rng.random_bool(0.2),
                };
                let secret = {
                    let owner = random_owner(&mut rng);
                    let recipients = random_recipients(&mut rng, owner.is_some());
                    NewSecret {
                        owner,
                        recipients,
                        ..secret
                    }
                };
                if let Some(r) = &secret.recipients {
                    all_recipients.insert(key.clone(), r.clone());
                } else {
                    all_recipients.remove(&key);
                }
                owners.insert(key.clone(), secret.owner);
                let bytes = record::encode(&secret).expect(&context);
                let _: () = c.set(&key, &bytes).await.expect(&context);
                model.insert(key.clone(), bytes);
                proofs.insert(
                    key.clone(),
                    Proofs {
                        password: password.map(|p| p.digest),
                        delete: secret.delete_token_digest,
                    },
                );
                *seen.entry("create").or_default() += 1;
            }
            // View.
            3..=6 => {
                let right = proofs.get(&key).and_then(|p| p.password);
                let digest = match rng.random_range(0..3u32) {
                    0 => None,
                    1 => right.or_else(|| Some(rng.random())),
                    _ => Some(rng.random()),
                };
                let viewer = match rng.random_range(0..4u32) {
                    0 => ViewerClaims::ANONYMOUS,
                    n => ViewerClaims {
                        kind: if n == 3 {
                            PrincipalKind::Machine
                        } else {
                            PrincipalKind::User
                        },
                        // Organization 1 or 2 (owners' organizations) or 3 (no owner's).
                        org_id: Some(org(u128::from(n))),
                        verified_email: None,
                    },
                };
                let request = ConsumeRequest {
                    digest,
                    now,
                    max_failures: rng.random_range(0..4),
                    viewer,
                    email_digest: rng.random_bool(0.6).then(|| pool(&mut rng)),
                    token_digest: rng.random_bool(0.4).then(|| pool(&mut rng)),
                };
                // As the Redis store passes it: the organization's 16 bytes, or "".
                let org_arg: Vec<u8> = request
                    .viewer
                    .org_id
                    .map_or_else(Vec::new, |o| o.as_bytes().to_vec());
                let got: redis::Value = consume_script
                    .key(&key)
                    .arg(request.now)
                    .arg(request.digest.as_ref().map_or(&[][..], |d| &d[..]))
                    .arg(request.max_failures)
                    .arg(&org_arg[..])
                    .arg(request.email_digest.as_ref().map_or(&[][..], |d| &d[..]))
                    .arg(request.token_digest.as_ref().map_or(&[][..], |d| &d[..]))
                    .invoke_async(&mut c)
                    .await
                    .expect(&context);
                let expected = match model.get_mut(&key) {
                    None => words(&[b"not_found"]),
                    Some(record) => {
                        let branch = access_branch(record, &request.viewer);
                        let (view, step) = rules::consume(record, &request).expect(&context);
                        let expected = expected_view(view, record);
                        *seen.entry(view_name(view)).or_default() += 1;
                        if view != View::NotFound {
                            // Only a viewer in the owner's organization passes an
                            // organization secret.
                            let restricted = matches!(view, View::Restricted(_));
                            let org_passes = matches!(
                                branch,
                                "anyone" | "anyone owned" | "organization, viewer in it"
                            );
                            let recipients = all_recipients.get(&key);
                            let passes =
                                org_passes && recipients.is_none_or(|r| admitted(r, &request));
                            assert_eq!(restricted, !passes, "{branch}: {context}");
                            *seen.entry(branch).or_default() += 1;
                            if let (Some(r), true) = (recipients, org_passes) {
                                let by = match (admitted(r, &request), &r.tokens) {
                                    (false, _) => "recipients: refused",
                                    (true, Some(t))
                                        if request.token_digest.is_some_and(|d| t.contains(&d)) =>
                                    {
                                        "recipients: by token"
                                    }
                                    (true, _) => "recipients: by address",
                                };
                                *seen.entry(by).or_default() += 1;
                            }
                            if passes && matches!(view, View::Granted { .. }) {
                                *seen.entry(granted_name(branch)).or_default() += 1;
                            }
                        }
                        if step == Step::Delete {
                            model.remove(&key);
                        }
                        expected
                    }
                };
                assert_eq!(show(reply(got)), show(expected), "consume: {context}");
            }
            // Delete with the right or a wrong token, as the owner or someone else.
            7 => {
                let proof = match (proofs.get(&key), rng.random_range(0..4u32)) {
                    (Some(p), 0 | 1) => DeleteProof::Token(p.delete),
                    (_, 0 | 1) => DeleteProof::Token(rng.random()),
                    (_, 2) => match owners.get(&key).copied().flatten() {
                        Some(owner) => DeleteProof::Owner(owner),
                        None => DeleteProof::Owner(random_owner(&mut rng).unwrap_or(Owner {
                            org: org(1),
                            creator: Creator::User(uuid::Uuid::from_u128(9)),
                        })),
                    },
                    _ => DeleteProof::Owner(Owner {
                        org: org(2),
                        creator: Creator::Machine(uuid::Uuid::from_u128(rng.random())),
                    }),
                };
                let (presented, mode) = match &proof {
                    DeleteProof::Token(d) => (d.to_vec(), "token"),
                    DeleteProof::Owner(o) => (o.to_bytes().to_vec(), "owner"),
                };
                let got: redis::Value = delete_script
                    .key(&key)
                    .arg(now)
                    .arg(presented)
                    .arg(mode)
                    .invoke_async(&mut c)
                    .await
                    .expect(&context);
                let expected = match model.get(&key) {
                    None => words(&[b"not_found"]),
                    Some(record) => {
                        let (removal, step) = rules::delete(record, &proof, now).expect(&context);
                        if matches!(proof, DeleteProof::Owner(_)) && removal == Removal::Deleted {
                            *seen.entry("deleted by owner").or_default() += 1;
                        }
                        let expected = match removal {
                            Removal::NotFound => words(&[b"not_found"]),
                            Removal::Forbidden => words(&[b"forbidden"]),
                            Removal::Deleted => {
                                if record[record::OFF_FLAGS] & record::FLAG_OWNER != 0 {
                                    // The metadata prefix returned includes the owner.
                                    *seen.entry("deleted with owner").or_default() += 1;
                                }
                                let prefix = &record[..record::meta_len(record).unwrap()];
                                vec![b"deleted".to_vec(), prefix.to_vec()]
                            }
                        };
                        *seen.entry("delete").or_default() += 1;
                        if step == Step::Delete {
                            model.remove(&key);
                        }
                        expected
                    }
                };
                assert_eq!(show(reply(got)), show(expected), "delete: {context}");
            }
            // The clock moves.
            _ => now += rng.random_range(0..40),
        }
        let stored: Option<Vec<u8>> = c.get(&key).await.expect(&context);
        assert_eq!(
            stored.as_deref().map(hex::encode),
            model.get(&key).map(hex::encode),
            "stored record: {context}"
        );
    }
    // The sequence reached every branch (else it proves less than it says).
    for branch in [
        "create",
        "not_found",
        "restricted",
        "refused",
        "destroyed",
        "granted",
        "delete",
        "anyone",
        "anyone owned",
        "organization without owner",
        "organization, viewer in none",
        "organization, viewer in another",
        "organization, viewer in it",
        "granted: anyone owned",
        "granted: organization, viewer in it",
        "deleted with owner",
        "deleted by owner",
        "recipients: refused",
        "recipients: by token",
        "recipients: by address",
    ] {
        assert!(
            seen.get(branch).copied().unwrap_or(0) > 0,
            "seed {seed}: no {branch} in {seen:?}"
        );
    }
}

fn granted_name(branch: &str) -> &'static str {
    match branch {
        "anyone owned" => "granted: anyone owned",
        "organization, viewer in it" => "granted: organization, viewer in it",
        _ => "granted: other",
    }
}

fn view_name(view: View) -> &'static str {
    match view {
        View::NotFound => "not_found",
        View::Restricted(_) => "restricted",
        View::Refused {
            destroyed: true, ..
        } => "destroyed",
        View::Refused { .. } => "refused",
        View::Granted { .. } => "granted",
    }
}
