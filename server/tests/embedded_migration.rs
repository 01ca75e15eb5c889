//! The embedded store opens a data file of the older JSON layout and moves its secrets to packed records, keeping every fact.

use redb::{ReadableDatabase as _, TableDefinition, TableHandle as _};
use sha2::{Digest as _, Sha256};
use zkshare_server::EmbeddedStore;
use zkshare_server::store::embedded::DB_FILE;
use zkshare_server::store::{
    ConsumeOutcome, ConsumeRequest, DeleteOutcome, ShareStore as _, ViewerClaims,
};

const OLD_META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("secret_meta");
const OLD_ENVELOPES: TableDefinition<'_, &str, &str> = TableDefinition::new("secret_envelope");
const EXPIRY: TableDefinition<'_, (u64, &str), ()> = TableDefinition::new("secret_expiry");

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn an_older_data_file_is_moved_to_packed_records() {
    let dir = tempfile::tempdir().unwrap();
    let now = zkshare_server::now_millis();
    let expires = now + 3_600_000;
    let mut header = vec![0x01, 0x03];
    header.extend([7u8; 44]);
    let header = b64(&header);
    let envelope = format!("{header}.{}", b64(&[9u8; 40]));
    let verifier_digest: [u8; 32] = Sha256::digest(b"zkv1.right").into();
    let token_digest: [u8; 32] = Sha256::digest(b"token").into();
    {
        let db = redb::Database::create(dir.path().join(DB_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut meta = txn.open_table(OLD_META).unwrap();
            let mut envelopes = txn.open_table(OLD_ENVELOPES).unwrap();
            let mut expiry = txn.open_table(EXPIRY).unwrap();
            let json = serde_json::json!({
                "header": header,
                "name": "old one",
                "accessType": "anyone",
                "createdAt": now - 1000,
                "expiresAt": expires,
                "views": 3,
                "lastViewedAt": now - 500,
                "vdig": hex::encode(verifier_digest),
                "pwsalt": null,
                "failures": 2,
                "dtok": hex::encode(token_digest),
            });
            let json = serde_json::to_vec(&json).unwrap();
            for id in ["AAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBB"] {
                meta.insert(id, json.as_slice()).unwrap();
                envelopes.insert(id, envelope.as_str()).unwrap();
                expiry.insert((expires as u64, id), ()).unwrap();
            }
        }
        txn.commit().unwrap();
    }

    let store = EmbeddedStore::open(dir.path()).unwrap();
    let id = "AAAAAAAAAAAAAAAAAAAAAA";
    let meta = store.metadata(id, now).await.unwrap().expect("moved");
    assert_eq!(meta.envelope_header, header);
    assert_eq!(meta.name.as_deref(), Some("old one"));
    assert_eq!(meta.created_at, now - 1000);
    assert_eq!(meta.expires_at, expires);
    assert_eq!(meta.views_remaining, Some(3));
    assert_eq!(meta.last_viewed_at, Some(now - 500));
    assert!(meta.password_protected);

    // The failure count came along: a third wrong proof is the third failure.
    let request = |digest| ConsumeRequest {
        digest: Some(digest),
        now,
        max_failures: 10,
        viewer: ViewerClaims::ANONYMOUS,
        email_digest: None,
        token_digest: None,
    };
    match store.consume(id, request([0; 32])).await.unwrap() {
        ConsumeOutcome::InvalidCredentials { failures, .. } => assert_eq!(failures, 3),
        other => panic!("{other:?}"),
    }
    match store.consume(id, request(verifier_digest)).await.unwrap() {
        ConsumeOutcome::Granted(view) => {
            assert_eq!(view.envelope, envelope);
            assert_eq!(view.views_before, Some(3));
        }
        other => panic!("{other:?}"),
    }
    // The delete token digest came along, and the expiry index still finds the other one.
    let other = "BBBBBBBBBBBBBBBBBBBBBB";
    assert!(matches!(
        store
            .delete(
                other,
                zkshare_server::store::DeleteProof::Token(token_digest),
                now
            )
            .await
            .unwrap(),
        DeleteOutcome::Deleted(_)
    ));
    assert_eq!(store.sweep_expired(expires).await.unwrap(), 1);
    drop(store);

    // The older tables are gone.
    let db = redb::Database::open(dir.path().join(DB_FILE)).unwrap();
    let txn = db.begin_read().unwrap();
    let names: Vec<String> = txn
        .list_tables()
        .unwrap()
        .map(|t| t.name().to_string())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("secret_meta") || n == "secret_envelope"),
        "{names:?}"
    );
}
