//! The Redis starter the server's tests, the end-to-end tests and the benchmarks all use.

use zkshare_testkit::redis_server::RedisServer;

#[test]
fn extra_arguments_reach_redis_and_survive_a_restart() {
    let mut redis = RedisServer::start_with(&["--maxmemory-policy", "allkeys-lru"]);
    let policy = |redis: &RedisServer| -> Vec<String> {
        redis::cmd("CONFIG")
            .arg("GET")
            .arg("maxmemory-policy")
            .query(&mut redis.connection())
            .unwrap()
    };
    assert_eq!(policy(&redis), ["maxmemory-policy", "allkeys-lru"]);
    let port = redis.port();
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .exec(&mut redis.connection())
        .unwrap();

    redis.restart();
    assert_eq!(redis.port(), port, "a restart keeps the port");
    assert_eq!(policy(&redis), ["maxmemory-policy", "allkeys-lru"]);
    let gone: Option<String> = redis::cmd("GET")
        .arg("k")
        .query(&mut redis.connection())
        .unwrap();
    assert_eq!(gone, None, "nothing persists across a restart");
}

#[test]
fn a_stopped_redis_refuses_connections() {
    let mut redis = RedisServer::start();
    assert!(redis.client().get_connection().is_ok());
    redis.stop();
    assert!(redis.client().get_connection().is_err());
}

#[tokio::test]
async fn async_connections_talk_to_the_same_server() {
    let redis = RedisServer::start();
    let mut conn = redis.async_connection().await;
    let _: () = redis::AsyncCommands::set(&mut conn, "k", "v")
        .await
        .unwrap();
    let got: String = redis::cmd("GET")
        .arg("k")
        .query(&mut redis.connection())
        .unwrap();
    assert_eq!(got, "v");
}
