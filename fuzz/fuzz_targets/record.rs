//! Fuzzes the Redis record decoder (`server/src/store/record.rs`): any bytes give a value or an
//! error, never a panic; metadata decodes the same from the prefix a metadata read fetches; and
//! records built from arbitrary secrets round-trip through encode and decode.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use zkshare_server::store::record::{self, MAX_META_LEN, UNLIMITED_VIEWS};
use zkshare_server::domain::{Creator, IdentityId, OrgId, Owner, UserId};
use zkshare_server::store::{AccessType, NewSecret, PasswordCheck, Recipients};

const ID: &str = "q83vEjRWeJCrze8SNFZ4kA";

/// The parts of a secret, as arbitrary values.
#[derive(Arbitrary, Debug)]
struct Secret {
    header: Vec<u8>,
    name: Option<String>,
    body: Vec<u8>,
    organization: bool,
    created_at: i64,
    expires_at: i64,
    max_views: Option<u32>,
    password: Option<([u8; 32], Option<[u8; 16]>)>,
    delete_token_digest: [u8; 32],
    /// Machine identity (else user), organization UUID, creator UUID.
    owner: Option<(bool, [u8; 16], [u8; 16])>,
    /// Address digests, and whether each recipient also has a token digest (external).
    recipients: Option<(Vec<[u8; 32]>, bool)>,
    notify_on_view: bool,
}

fuzz_target!(|data: &[u8]| {
    decode_any_bytes(data);
    if let Ok(secret) = Secret::arbitrary(&mut Unstructured::new(data)) {
        round_trip(secret);
    }
});

/// Whatever a store returns: a value or an error, consistent between the two decoders.
fn decode_any_bytes(data: &[u8]) {
    let meta = record::decode_meta(ID, data);
    // A metadata read fetches at most MAX_META_LEN bytes (GETRANGE): same answer.
    let prefix = &data[..data.len().min(MAX_META_LEN)];
    assert_eq!(
        record::decode_meta(ID, prefix).ok(),
        meta.as_ref().ok().cloned()
    );
    if let Ok((whole, envelope)) = record::decode(ID, data) {
        assert_eq!(Some(&whole), meta.as_ref().ok());
        let (header, body) = envelope.split_once('.').expect("header.body");
        assert_eq!(header, whole.envelope_header);
        assert!(!body.is_empty() && !body.contains('.'));
    }
}

/// encode → decode gives back every field a new secret has.
fn round_trip(s: Secret) {
    // Preconditions of encode: the envelope was validated, so both parts fit and the body is
    // there; header and name lengths fit a byte.
    if s.header.len() > 255 || s.body.is_empty() || s.name.as_ref().is_some_and(|n| n.len() > 255) {
        return;
    }
    // Recipients: 1 to 100, only with an owner (the API's rules; encode refuses the rest).
    let recipients = s.recipients.as_ref().map(|(emails, external)| Recipients {
        emails: emails.clone(),
        tokens: external.then(|| emails.iter().map(|d| d.map(|b| !b)).collect()),
    });
    let recipients_valid = recipients
        .as_ref()
        .is_none_or(|r| s.owner.is_some() && (1..=100).contains(&r.emails.len()));
    let header = URL_SAFE_NO_PAD.encode(&s.header);
    let envelope = format!("{header}.{}", URL_SAFE_NO_PAD.encode(&s.body));
    let password = s
        .password
        .map(|(digest, salt)| PasswordCheck { digest, salt });
    let secret = NewSecret {
        id: ID.to_string(),
        envelope: envelope.clone(),
        envelope_header: header.clone(),
        name: s.name.clone(),
        access_type: if s.organization {
            AccessType::Organization
        } else {
            AccessType::Anyone
        },
        created_at: s.created_at,
        expires_at: s.expires_at,
        max_views: s.max_views,
        password: password.clone(),
        delete_token_digest: s.delete_token_digest,
        owner: s.owner.map(|(machine, org, creator)| {
            Owner {
                org: OrgId::from_bytes(org),
                creator: if machine {
                    Creator::Machine(IdentityId::from_bytes(creator))
                } else {
                    Creator::User(UserId::from_bytes(creator))
                },
            }
        }),
        recipients: recipients.clone(),
        notify_on_view: s.notify_on_view,
    };
    let encoded = record::encode(&secret);
    if !recipients_valid {
        assert!(encoded.is_err(), "recipients without an owner, none, or over 100");
        return;
    }
    if s.max_views == Some(UNLIMITED_VIEWS) {
        assert!(encoded.is_err(), "the unlimited marker is not a view limit");
        return;
    }
    let bytes = encoded.expect("a valid secret encodes");
    let (meta, decoded) = record::decode(ID, &bytes).expect("an encoded secret decodes");
    assert_eq!(decoded, envelope);
    assert_eq!(meta.id, ID);
    assert_eq!(meta.envelope_header, header);
    assert_eq!(meta.name, s.name);
    assert_eq!(meta.access_type, secret.access_type);
    assert_eq!(meta.created_at, s.created_at);
    assert_eq!(meta.expires_at, s.expires_at);
    assert_eq!(meta.views_remaining, s.max_views);
    assert_eq!(meta.last_viewed_at, None);
    assert_eq!(meta.password_protected, password.is_some());
    assert_eq!(meta.password_salt, password.and_then(|p| p.salt));
    assert_eq!(meta.owner, secret.owner);
    assert_eq!(meta.notify_on_view, s.notify_on_view);
    assert_eq!(
        usize::from(meta.recipients),
        recipients.as_ref().map_or(0, |r| r.emails.len())
    );
    assert_eq!(
        meta.external_recipients,
        recipients.as_ref().is_some_and(|r| r.tokens.is_some())
    );
    if let Some(r) = &recipients {
        let (n, emails_at, tokens_at) = record::recipients(&bytes).unwrap().expect("recipients");
        assert_eq!(n, r.emails.len());
        assert_eq!(&bytes[emails_at..emails_at + 32], &r.emails[0][..]);
        if let (Some(at), Some(tokens)) = (tokens_at, &r.tokens) {
            assert_eq!(&bytes[at..at + 32], &tokens[0][..]);
        }
    }
    decode_any_bytes(&bytes);
}
