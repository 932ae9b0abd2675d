//! Two in-process instances sharing one database and one real (private) Redis: revocation
//! reaches the other instance by pub/sub, rate limits count in Redis, realtime streams fan out
//! across instances and resume, and an outage of Redis degrades (sign-ins 429, reads go on)
//! and heals without a restart.

use std::time::{Duration, Instant};

use campus_config::{RedisSettings, Settings};
use campus_test_support::{SiblingApp, TestApp, TestRedis, backend_test};
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

fn with_redis(redis: &TestRedis) -> impl FnOnce(&mut Settings) + use<> {
    let url = redis.url();
    move |s: &mut Settings| {
        s.redis.url = Some(url.into());
        // Only pub/sub can make another instance refuse a token this quickly.
        s.auth.revocation_sync_ms = 600_000;
        s.auth.rate_limits.login_per_ip_per_minute = 6;
    }
}

async fn pair(app: &TestApp, redis: &TestRedis) -> (SiblingApp, SiblingApp) {
    let a = app.spawn_sibling(with_redis(redis)).await;
    let b = app.spawn_sibling(with_redis(redis)).await;
    wait_subscribed(redis, 2).await;
    (a, b)
}

/// Waits until `n` instances listen on the sessions channel.
async fn wait_subscribed(redis: &TestRedis, n: u32) {
    let started = Instant::now();
    loop {
        let reply = redis.command("PUBSUB NUMSUB campus:sessions").await;
        if reply.trim_end().ends_with(&format!(":{n}")) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "instances did not subscribe: {reply}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = app.client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request sent");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.json::<Value>().await.unwrap_or(Value::Null);
    (status, body, headers)
}

async fn me_status(app: &TestApp, on: &SiblingApp, token: &str) -> u16 {
    call(app, reqwest::Method::GET, on.url("/api/v1/me"), token, None)
        .await
        .0
}

/// Polls until `on` refuses `token`; returns how long that took.
async fn refused_within(app: &TestApp, on: &SiblingApp, token: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if me_status(app, on, token).await == 401 {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "the other instance still accepts the token after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn login(app: &TestApp, on: &SiblingApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(on.url("/api/v1/auth/login"))
        .json(&json!({"login": email, "password": password}))
        .send()
        .await
        .expect("login sent")
}

backend_test!(async fn logout_and_account_changes_reach_the_other_instance_by_pubsub(app) {
    let Some(redis) = TestRedis::start().await else { return };
    let (a, b) = pair(&app, &redis).await;
    let admin = app.session("admin").await;

    // Logout on A: B refuses the token at once (its own sync would wait ten minutes).
    let s = app.session("teacher").await;
    assert_eq!(me_status(&app, &b, &s.token).await, 200);
    let (status, _, _) = call(&app, reqwest::Method::POST, a.url("/api/v1/auth/logout"), &s.token, None).await;
    assert!(status < 300, "{status}");
    let took = refused_within(&app, &b, &s.token, Duration::from_secs(1)).await;
    eprintln!("logout reached the other instance in {took:?}");

    // Sign out everywhere on A: B refuses.
    let s = app.session("parent").await;
    assert_eq!(me_status(&app, &b, &s.token).await, 200);
    let (status, _, _) = call(&app, reqwest::Method::POST, a.url("/api/v1/auth/logout-all"), &s.token, None).await;
    assert!(status < 300, "{status}");
    refused_within(&app, &b, &s.token, Duration::from_secs(1)).await;

    // Deactivation by an administrator on A: B refuses.
    let s = app.session("student").await;
    assert_eq!(me_status(&app, &b, &s.token).await, 200);
    let (status, body, _) = call(
        &app,
        reqwest::Method::PATCH,
        a.url(&format!("/api/v1/users/{}", s.user_id)),
        &admin.token,
        Some(json!({"is_active": false})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    refused_within(&app, &b, &s.token, Duration::from_secs(1)).await;
});

backend_test!(async fn login_limits_are_counted_in_redis_for_every_instance(app) {
    let Some(redis) = TestRedis::start().await else { return };
    let (a, b) = pair(&app, &redis).await;
    let s = app.session("teacher").await;
    // Six attempts a minute from this address, spread over both instances.
    for i in 0..6 {
        let on = if i % 2 == 0 { &a } else { &b };
        let res = login(&app, on, &format!("nobody{i}@school.test"), "Wrong#Passw0rd").await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    for on in [&a, &b] {
        let res = login(&app, on, &s.email, campus_test_support::TEST_PASSWORD).await;
        assert_eq!(res.status(), 429);
        assert!(res.headers().contains_key("retry-after"));
    }
    // The counters are Redis keys, not database rows.
    let keys = redis.command("KEYS campus:rl:login-ip*").await;
    assert!(keys.contains("campus:rl:login-ip:127.0.0.1:"), "{keys}");
    let keys = redis.command("KEYS campus:rl:login-account*nobody0*").await;
    assert!(keys.contains("nobody0@school.test"), "{keys}");
    // (The test's own sign-in through the first app, which has no Redis, is counted there.)
    let rows = campus_db::entities::rate_limits::Entity::find()
        .filter(campus_db::entities::rate_limits::Column::Bucket.contains("nobody"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 0);
});

backend_test!(async fn a_redis_outage_refuses_sign_ins_serves_reads_and_heals_without_restart(app) {
    let Some(mut redis) = TestRedis::start().await else { return };
    let (a, b) = pair(&app, &redis).await;
    let s = app.session("teacher").await;
    let other = app.session("teacher").await;
    assert_eq!(me_status(&app, &b, &other.token).await, 200);

    redis.stop().await;
    // Sign-in fails closed: 429 with Retry-After, never a 500.
    let res = login(&app, &a, &s.email, campus_test_support::TEST_PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["status"], 429);
    // Reads go on; refreshing (a credential already held) fails open.
    assert_eq!(me_status(&app, &a, &s.token).await, 200);
    let res = app
        .client
        .post(b.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": s.refresh_token}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Readiness reports Redis down but keeps the instance in the pool; so do the metrics.
    let ready = app.client.get(a.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["redis"], "down");
    let metrics = app.client.get(a.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("campus_redis_up 0\n"), "{metrics}");
    // A logout while Redis is down still ends the token on this instance.
    let (status, _, _) = call(&app, reqwest::Method::POST, a.url("/api/v1/auth/logout"), &other.token, None).await;
    assert!(status < 300);
    assert_eq!(me_status(&app, &a, &other.token).await, 401);

    redis.resume().await;
    let started = Instant::now();
    loop {
        let res = login(&app, &a, &s.email, campus_test_support::TEST_PASSWORD).await;
        if res.status() == 200 {
            break;
        }
        assert_eq!(res.status(), 429);
        assert!(started.elapsed() < Duration::from_secs(10), "sign-in did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = app.client.get(a.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.json::<Value>().await.unwrap()["redis"], "up");
    // The subscriptions come back, and with them instant revocation.
    wait_subscribed(&redis, 2).await;
    // The logout made during the outage converges too: the reconnection re-read the database.
    refused_within(&app, &b, &other.token, Duration::from_secs(3)).await;
    let fresh = app.session("teacher").await;
    assert_eq!(me_status(&app, &b, &fresh.token).await, 200);
    let (status, _, _) = call(&app, reqwest::Method::POST, a.url("/api/v1/auth/logout"), &fresh.token, None).await;
    assert!(status < 300);
    refused_within(&app, &b, &fresh.token, Duration::from_secs(1)).await;
});

/// One Server-Sent Event.
#[derive(Debug, Default, Clone)]
struct Sse {
    id: Option<String>,
    event: Option<String>,
    data: String,
}

/// An open event stream.
struct SseStream {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    buffer: String,
}

impl SseStream {
    async fn open(app: &TestApp, url: String, token: &str, last_id: Option<&str>) -> Self {
        let mut req = app.client.get(url).bearer_auth(token);
        if let Some(id) = last_id {
            req = req.header("last-event-id", id);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        Self {
            body: Box::pin(res.bytes_stream().map(|chunk| chunk.map(|b| b.to_vec()))),
            buffer: String::new(),
        }
    }

    /// The next event with an `event:` name (comments and keep-alives skipped), or `None`
    /// when the stream ends or nothing arrives within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Sse::default();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        event.id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event.event = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        event.data.push_str(v.trim_start());
                    }
                }
                if event.event.is_some() {
                    return Some(event);
                }
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }
}

async fn notify(app: &TestApp, on: &SiblingApp, staff: &str, user_id: i64, message: &str) {
    let (status, body, _) = call(
        app,
        reqwest::Method::POST,
        on.url("/api/v1/notifications"),
        staff,
        Some(json!({"user_id": user_id, "message": message})),
    )
    .await;
    assert!(status < 300, "{status} {body}");
}

backend_test!(async fn an_event_written_on_one_instance_reaches_a_stream_on_the_other_and_resumes(app) {
    let Some(redis) = TestRedis::start().await else { return };
    let (a, b) = pair(&app, &redis).await;
    let admin = app.session("admin").await;
    let parent = app.session("parent").await;

    let mut stream = SseStream::open(&app, b.url("/api/v1/events"), &parent.token, None).await;
    let sent = Instant::now();
    notify(&app, &a, &admin.token, parent.user_id, "first").await;
    let first = stream.next(Duration::from_secs(5)).await.expect("the event arrives");
    eprintln!("fan-out took {:?}", sent.elapsed());
    assert_eq!(first.event.as_deref(), Some("notification"));
    let data: Value = serde_json::from_str(&first.data).unwrap();
    assert_eq!(data["message"], "first");
    assert_eq!(data["user_id"], parent.user_id);
    assert_eq!(first.id.as_deref(), Some(data["id"].to_string().as_str()));
    // Someone else's notification is not sent to this stream.
    let other = app.session("parent").await;
    notify(&app, &a, &admin.token, other.user_id, "not yours").await;
    notify(&app, &a, &admin.token, parent.user_id, "second").await;
    let second = stream.next(Duration::from_secs(5)).await.expect("the second arrives");
    assert_eq!(serde_json::from_str::<Value>(&second.data).unwrap()["message"], "second");
    drop(stream);

    // While disconnected, two more; the reconnection (through A) with Last-Event-ID gets
    // exactly those, in order, and nothing twice.
    notify(&app, &b, &admin.token, parent.user_id, "third").await;
    notify(&app, &b, &admin.token, parent.user_id, "fourth").await;
    let mut resumed = SseStream::open(&app, a.url("/api/v1/events"), &parent.token, second.id.as_deref()).await;
    let mut got = Vec::new();
    while let Some(e) = resumed.next(Duration::from_millis(1500)).await {
        got.push(serde_json::from_str::<Value>(&e.data).unwrap()["message"].as_str().unwrap().to_owned());
    }
    assert_eq!(got, ["third", "fourth"]);
});

backend_test!(async fn a_stream_checks_its_credential_and_its_input(app) {
    let admin = app.session("admin").await;
    let parent = app.session("parent").await;
    // No credential: 401 problem; a bad Last-Event-ID: 400 problem.
    let res = app.client.get(app.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth(&parent.token)
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // Without Redis, one instance still streams (its own writes wake it).
    let mut stream = SseStream::open(&app, app.url("/api/v1/events"), &parent.token, None).await;
    let res = app
        .post_json_with_token("/api/v1/notifications", &admin.token, &json!({"user_id": parent.user_id, "message": "hello"}))
        .await;
    assert!(res.status < 300);
    let e = stream.next(Duration::from_secs(5)).await.expect("delivered");
    assert_eq!(e.event.as_deref(), Some("notification"));
    let metrics = app.get("/metrics").await.text;
    assert!(metrics.contains("campus_event_streams_open 1\n"), "{metrics}");
    assert!(metrics.contains("campus_redis_up -1\n"), "{metrics}");
    // Revoking the token ends the stream at its next delivery.
    let res = app.post_json_with_token("/api/v1/auth/logout", &parent.token, &json!({})).await;
    assert!(res.status < 300);
    let res = app
        .post_json_with_token("/api/v1/notifications", &admin.token, &json!({"user_id": parent.user_id, "message": "after logout"}))
        .await;
    assert!(res.status < 300);
    let end = stream.next(Duration::from_secs(5)).await.expect("an end event");
    assert_eq!(end.event.as_deref(), Some("end"));
    assert!(end.data.contains("credential_revoked"), "{}", end.data);
    assert!(stream.next(Duration::from_secs(2)).await.is_none());
});

#[tokio::test]
async fn a_periodic_job_lease_is_taken_by_one_instance_per_tick() {
    let Some(redis) = TestRedis::start().await else {
        return;
    };
    let settings = RedisSettings {
        url: Some(redis.url().into()),
        ..RedisSettings::default()
    };
    let one = campus_server::cluster::Cluster::new(&settings);
    let two = campus_server::cluster::Cluster::new(&settings);
    let tick = Duration::from_millis(400);
    assert!(one.take_lease("purge", tick).await);
    assert!(!two.take_lease("purge", tick).await);
    assert!(!one.take_lease("purge", tick).await);
    tokio::time::sleep(tick + Duration::from_millis(100)).await;
    assert!(two.take_lease("purge", tick).await);
    // Without Redis every instance runs its (idempotent) jobs.
    let alone = campus_server::cluster::Cluster::new(&RedisSettings::default());
    assert!(alone.take_lease("purge", tick).await);
    assert!(alone.take_lease("purge", tick).await);
    assert_eq!(one.redis_up().await, Some(true));
    assert_eq!(alone.redis_up().await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_instance_fails_readiness_while_it_drains_then_closes() {
    let Some(app) = TestApp::spawn(campus_test_support::Backend::Sqlite).await else {
        return;
    };
    let mut settings = app.settings.clone();
    settings.server.drain_secs = 2;
    settings.database.migrate_on_start = false;
    let instance = campus_server::Application::build(settings).await.unwrap();
    let base = format!("http://{}", instance.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(instance.run_until(async move {
        let _ = stopped.await;
    }));
    assert_eq!(
        app.client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    stop.send(()).unwrap();
    let started = Instant::now();
    // Draining: not ready (so the balancer moves away), still serving.
    loop {
        let res = app.client.get(format!("{base}/readyz")).send().await.unwrap();
        if res.status() == 503 {
            let problem: Value = res.json().await.unwrap();
            assert!(
                problem["detail"].as_str().unwrap().contains("shutting down"),
                "{problem}"
            );
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        app.client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Then it stops accepting and exits.
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(app.client.get(format!("{base}/healthz")).send().await.is_err());
}
