//! The account store's atomic steps on every backend: insert-if-absent, compare-and-swap, compare-and-delete, take once, counters, and expiry.

use std::sync::Arc;
use std::time::Duration;

use zkshare_server::now_millis;
use zkshare_server::store::KvStore;

use super::*;

on_every_store!(each_step_is_atomic_and_expiry_is_kept);

async fn each_step_is_atomic_and_expiry_is_kept(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let kv: Arc<dyn KvStore> = Arc::clone(&app.store) as Arc<dyn KvStore>;
    let now = now_millis();
    let k = |s: &str| s.to_string();

    assert!(
        kv.insert(k("user:a"), b"one".to_vec(), None, now)
            .await
            .unwrap()
    );
    assert!(
        !kv.insert(k("user:a"), b"two".to_vec(), None, now)
            .await
            .unwrap(),
        "insert is if-absent"
    );
    assert_eq!(
        kv.get(k("user:a"), now).await.unwrap().as_deref(),
        Some(&b"one"[..])
    );
    assert!(
        !kv.replace(k("user:a"), b"stale".to_vec(), b"x".to_vec(), None, now)
            .await
            .unwrap()
    );
    assert!(
        kv.replace(k("user:a"), b"one".to_vec(), b"three".to_vec(), None, now)
            .await
            .unwrap()
    );
    assert!(
        !kv.replace(k("user:missing"), b"".to_vec(), b"x".to_vec(), None, now)
            .await
            .unwrap()
    );
    assert!(
        !kv.remove(k("user:a"), Some(b"one".to_vec()), now)
            .await
            .unwrap()
    );
    assert!(
        kv.remove(k("user:a"), Some(b"three".to_vec()), now)
            .await
            .unwrap()
    );
    assert_eq!(kv.get(k("user:a"), now).await.unwrap(), None);

    // Take: of 32 concurrent takers exactly one gets the value.
    kv.insert(k("invite:t"), b"token".to_vec(), Some(now + 60_000), now)
        .await
        .unwrap();
    let takers: Vec<_> = (0..32)
        .map(|_| {
            let kv = Arc::clone(&kv);
            tokio::spawn(async move { kv.take("invite:t".into(), now).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for t in takers {
        if t.await.unwrap().is_some() {
            won += 1;
        }
    }
    assert_eq!(won, 1);

    // Compare-and-swap under contention: 32 increments by read-modify-write lose none.
    kv.insert(k("org:n"), b"0".to_vec(), None, now)
        .await
        .unwrap();
    let writers: Vec<_> = (0..32)
        .map(|_| {
            let kv = Arc::clone(&kv);
            tokio::spawn(async move {
                loop {
                    let old = kv.get("org:n".into(), now).await.unwrap().unwrap();
                    let n: u32 = std::str::from_utf8(&old).unwrap().parse().unwrap();
                    let new = (n + 1).to_string().into_bytes();
                    if kv
                        .replace("org:n".into(), old, new, None, now)
                        .await
                        .unwrap()
                    {
                        break;
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(
        kv.get(k("org:n"), now).await.unwrap().as_deref(),
        Some(&b"32"[..])
    );

    // Counters start at 1 with their expiry and count on.
    for expected in 1..=3u64 {
        assert_eq!(
            kv.increment(k("fail:x"), now + 60_000, now).await.unwrap(),
            expected
        );
    }
    assert_eq!(
        kv.get(k("fail:x"), now).await.unwrap().as_deref(),
        Some(&b"3"[..])
    );

    // Expiry by the real clock, on every backend: gone after its time.
    kv.insert(
        k("session:s"),
        b"s".to_vec(),
        Some(now_millis() + 300),
        now_millis(),
    )
    .await
    .unwrap();
    kv.increment(k("fail:y"), now_millis() + 300, now_millis())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(kv.get(k("session:s"), now_millis()).await.unwrap(), None);
    assert_eq!(kv.get(k("fail:y"), now_millis()).await.unwrap(), None);
    assert!(
        kv.insert(k("session:s"), b"again".to_vec(), None, now_millis())
            .await
            .unwrap(),
        "an expired key is free again"
    );
    // A replace that names no expiry makes the record permanent (sessions pass theirs).
    kv.insert(
        k("signup:p"),
        b"p".to_vec(),
        Some(now_millis() + 300),
        now_millis(),
    )
    .await
    .unwrap();
    assert!(
        kv.replace(
            k("signup:p"),
            b"p".to_vec(),
            b"q".to_vec(),
            Some(now_millis() + 60_000),
            now_millis()
        )
        .await
        .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        kv.get(k("signup:p"), now_millis())
            .await
            .unwrap()
            .as_deref(),
        Some(&b"q"[..]),
        "replace sets the new expiry"
    );

    // On Redis every record is one key, hash-tagged by its whole name: one slot per step.
    if let Some(mut redis) = app.inspector().await {
        let raw: Option<Vec<u8>> = redis::cmd("GET")
            .arg(zkshare_server::store::redis::record_key("org:n"))
            .query_async(&mut redis)
            .await
            .unwrap();
        assert_eq!(raw.as_deref(), Some(&b"32"[..]));
        assert_eq!(
            zkshare_server::store::redis::record_key("org:n"),
            "zkshare:a1:{org:n}"
        );
    }
}
