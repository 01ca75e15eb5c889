//! The creator's index and the access log on every store: the list follows creation, views, deletes and expiry, and leaves nothing behind; the log outlives its secret to its expiry and keeps its newest entries.

use super::*;
use uuid::Uuid;
use zkshare_server::domain::{Creator, Owner};
use zkshare_server::store::{DeleteOutcome, DeleteProof, MAX_LOG_ENTRIES, ViewerClaims};

for_both_stores!(
    the_list_follows_views_deletes_and_expiry,
    the_access_log_outlives_its_secret_and_keeps_its_newest_entries,
);

fn owner(n: u128) -> Owner {
    Owner {
        org: Uuid::from_u128(0x0a0a),
        creator: Creator::User(Uuid::from_u128(n)),
    }
}

fn owned(id: &str, owner: Owner, created_at: i64, lifetime: i64, views: Option<u32>) -> NewSecret {
    let env = small_envelope();
    NewSecret {
        id: id.to_string(),
        envelope_header: env.split('.').next().unwrap().to_string(),
        envelope: env,
        name: Some(id[..4].to_string()),
        access_type: AccessType::Anyone,
        created_at,
        expires_at: created_at + lifetime,
        max_views: views,
        password: None,
        delete_token_digest: [7; 32],
        owner: Some(owner),
        recipients: None,
        notify_on_view: false,
    }
}

fn view(now: i64) -> ConsumeRequest {
    ConsumeRequest {
        digest: None,
        now,
        max_failures: 0,
        viewer: ViewerClaims::ANONYMOUS,
        email_digest: None,
        token_digest: None,
    }
}

async fn the_list_follows_views_deletes_and_expiry(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let store = &app.store;
    let now = now_millis();
    let (me, other) = (owner(1), owner(2));
    let ids: Vec<String> = (0..4u8).map(|i| common::b64(&[0x40 + i; 16])).collect();
    // Created a millisecond apart: the list is newest first. The last one lives 10 minutes.
    for (i, id) in ids.iter().enumerate() {
        let lifetime = if i == 3 { 600_000 } else { 3_600_000 };
        let views = (i == 1).then_some(1);
        store
            .create(owned(id, me, now + i as i64, lifetime, views))
            .await
            .unwrap();
    }
    store
        .create(owned(
            &common::b64(&[0x4f; 16]),
            other,
            now,
            3_600_000,
            None,
        ))
        .await
        .unwrap();
    let page = store.list_owned(me, now + 10, 0, 25).await.unwrap();
    let listed: Vec<&str> = page.secrets.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(listed, [&ids[3], &ids[2], &ids[1], &ids[0]]);
    assert_eq!(page.total, 4);
    let second = store.list_owned(me, now + 10, 1, 2).await.unwrap();
    assert_eq!(second.total, 4);
    assert_eq!(second.secrets.len(), 2);
    assert_eq!(second.secrets[0].id, ids[2]);

    // The last view, a delete by the owner (not by another creator), then expiry.
    assert!(matches!(
        store.consume(&ids[1], view(now + 20)).await.unwrap(),
        ConsumeOutcome::Granted(_)
    ));
    assert!(matches!(
        store
            .delete(&ids[0], DeleteProof::Owner(other), now + 20)
            .await
            .unwrap(),
        DeleteOutcome::Forbidden
    ));
    assert!(matches!(
        store
            .delete(&ids[0], DeleteProof::Owner(me), now + 20)
            .await
            .unwrap(),
        DeleteOutcome::Deleted(_)
    ));
    let page = store.list_owned(me, now + 30, 0, 25).await.unwrap();
    let listed: Vec<&str> = page.secrets.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(listed, [&ids[3], &ids[2]]);
    assert_eq!(page.total, 2);
    let later = store.list_owned(me, now + 700_000, 0, 25).await.unwrap();
    assert_eq!(later.total, 1, "the 10-minute secret expired");
    assert_eq!(later.secrets[0].id, ids[2]);
    assert_eq!(
        store
            .list_owned(me, now + 4_000_000, 0, 25)
            .await
            .unwrap()
            .total,
        0
    );
    // The other creator's list was never touched.
    assert_eq!(
        store
            .list_owned(other, now + 30, 0, 25)
            .await
            .unwrap()
            .total,
        1
    );

    // Nothing is left of the index once its secrets are gone.
    if let Some(mut redis) = app.inspector().await {
        for key in zkshare_server::store::redis::index_keys(&me) {
            let left: u64 = redis::cmd("ZCARD")
                .arg(&key)
                .query_async(&mut redis)
                .await
                .unwrap();
            assert_eq!(left, 0, "{key}");
        }
    }
}

async fn the_access_log_outlives_its_secret_and_keeps_its_newest_entries(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let store = &app.store;
    let now = now_millis();
    let me = owner(3);
    let id = common::b64(&[0x51; 16]);
    store
        .create(owned(&id, me, now, 600_000, Some(1)))
        .await
        .unwrap();
    assert!(store.access_log(&id, now).await.unwrap().is_none());
    for i in 0..MAX_LOG_ENTRIES + 5 {
        store
            .log_access(&id, me, format!("entry {i}").into_bytes(), now + 600_000)
            .await
            .unwrap();
    }
    // The secret's last view deletes it; its log stays, with the newest entries, to its expiry.
    assert!(matches!(
        store.consume(&id, view(now + 1)).await.unwrap(),
        ConsumeOutcome::Granted(_)
    ));
    let log = store
        .access_log(&id, now + 2)
        .await
        .unwrap()
        .expect("a log");
    assert_eq!(log.owner, me);
    assert_eq!(log.entries.len(), MAX_LOG_ENTRIES);
    assert_eq!(log.entries[0], b"entry 5");
    assert_eq!(
        log.entries.last().unwrap(),
        format!("entry {}", MAX_LOG_ENTRIES + 4).as_bytes()
    );
    match &app.backing {
        // Redis deletes the log by its own clock at its expiry (PEXPIREAT).
        Backing::Redis(_) | Backing::Cluster(_) => {
            let mut redis = app.inspector().await.unwrap();
            let at: i64 = redis::cmd("PEXPIRETIME")
                .arg(zkshare_server::store::redis::log_key(&id))
                .query_async(&mut redis)
                .await
                .unwrap();
            assert_eq!(at, now + 600_000);
        }
        // The embedded store reads it as gone from then on, and its sweeper deletes it.
        Backing::Embedded(_) => {
            assert!(
                store
                    .access_log(&id, now + 600_000)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    }
}

/// The embedded store's sweeper takes an expired secret's index row and, at its expiry, its
/// access log: nothing is left in the file's tables.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_sweeps_leave_no_index_row_or_log_behind() {
    use redb::{ReadableDatabase as _, ReadableTableMetadata as _, TableDefinition};
    let dir = tempfile::tempdir().unwrap();
    let now = now_millis();
    let me = owner(4);
    let id = common::b64(&[0x61; 16]);
    {
        let store = zkshare_server::store::EmbeddedStore::open(dir.path()).unwrap();
        store
            .create(owned(&id, me, now, 300_000, None))
            .await
            .unwrap();
        store
            .log_access(&id, me, b"seen".to_vec(), now + 300_000)
            .await
            .unwrap();
        assert_eq!(store.sweep_expired(now + 300_000).await.unwrap(), 1);
        assert!(store.access_log(&id, now).await.unwrap().is_none());
    }
    let db = redb::Database::open(dir.path().join("zkshare.redb")).unwrap();
    let txn = db.begin_read().unwrap();
    let owned: TableDefinition<'_, &[u8], u64> = TableDefinition::new("secret_owned");
    let logs: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("secret_log");
    let log_expiry: TableDefinition<'_, (u64, &str), ()> = TableDefinition::new("log_expiry");
    assert_eq!(txn.open_table(owned).unwrap().len().unwrap(), 0);
    assert_eq!(txn.open_table(logs).unwrap().len().unwrap(), 0);
    assert_eq!(txn.open_table(log_expiry).unwrap().len().unwrap(), 0);
}
