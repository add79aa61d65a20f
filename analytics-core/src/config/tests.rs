//! Tests of configuration parsing: a whole LiveKit config.yaml, the seed's keys, sink
//! selection, errors that name the key, and masking.

use std::time::Duration;

use super::*;

const LIVEKIT_YAML: &str = r#"
port: 7880
rtc:
  tcp_port: 7881
  use_external_ip: false
redis:
  address: redis:6379
  password: redis-pw
  sentinel_master_name: ""
keys:
  APIkey1: secret-number-one
webhook:
  api_key: APIkey1
  urls: [http://localhost:7890/webhook]
openvidu:
  rtc: { engine: pion }
  analytics:
    enabled: true
    mongo_url: mongodb://mongoadmin:mongopw@mongo:27017/?replicaSet=rs0
    interval: 10s
    expiration: 768h
"#;

#[test]
fn a_whole_livekit_config_is_read_and_unknown_livekit_keys_are_ignored() {
    let config = LivekitConfig::from_yaml(LIVEKIT_YAML).expect("valid");
    assert_eq!(
        config.keys.get("APIkey1").map(String::as_str),
        Some("secret-number-one")
    );
    let redis = config.redis.as_ref().expect("redis section");
    assert_eq!(redis.address, "redis:6379");
    let analytics = &config.openvidu.analytics;
    assert!(analytics.enabled);
    assert_eq!(analytics.interval, Duration::from_secs(10));
    assert_eq!(analytics.expiration, Duration::from_secs(768 * 3600));
    assert_eq!(analytics.database, "openvidu");
    assert_eq!(analytics.fixer_period(), Duration::from_secs(60));
}

#[test]
fn the_seed_mongo_url_alone_means_one_mongo_sink() {
    let config = LivekitConfig::from_yaml(LIVEKIT_YAML).expect("valid");
    let specs = config.sink_specs().expect("specs");
    assert_eq!(specs.len(), 1);
    assert_eq!(
        (specs[0].name.as_str(), specs[0].kind.as_str()),
        ("mongo", "mongo")
    );
    assert_eq!(
        specs[0].settings.get("url").and_then(|v| v.as_str()),
        Some("mongodb://mongoadmin:mongopw@mongo:27017/?replicaSet=rs0")
    );
    assert_eq!(
        specs[0].settings.get("database").and_then(|v| v.as_str()),
        Some("openvidu")
    );
}

#[test]
fn no_sink_configured_means_the_sqlite_default() {
    let config = LivekitConfig::from_yaml("openvidu: {analytics: {enabled: true}}").expect("valid");
    let specs = config.sink_specs().expect("specs");
    assert_eq!(specs.len(), 1);
    assert_eq!(specs[0].kind, "sqlite");
    assert_eq!(
        specs[0].settings.get("path").and_then(|v| v.as_str()),
        Some(DEFAULT_SQLITE_PATH)
    );
}

#[test]
fn several_sinks_with_types_defaulting_to_their_names() {
    let yaml = r#"
openvidu:
  analytics:
    enabled: true
    sinks:
      postgres: { url: "postgres://localhost/db" }
      archive: { type: sqlite, path: /tmp/a.db }
"#;
    let specs = LivekitConfig::from_yaml(yaml)
        .expect("valid")
        .sink_specs()
        .expect("specs");
    let kinds: Vec<(&str, &str)> = specs
        .iter()
        .map(|s| (s.name.as_str(), s.kind.as_str()))
        .collect();
    assert_eq!(kinds, [("archive", "sqlite"), ("postgres", "postgres")]);
    assert!(
        specs[0].settings.get("type").is_none(),
        "type is not passed to the sink"
    );
}

#[test]
fn an_unknown_key_under_openvidu_analytics_is_an_error_naming_it() {
    let error = LivekitConfig::from_yaml("openvidu: {analytics: {enabled: true, intervall: 5s}}")
        .expect_err("invalid")
        .to_string();
    assert!(error.contains("intervall"), "{error}");
    let error = LivekitConfig::from_yaml("openvidu: {analytics: {buffer: {max_record: 5}}}")
        .expect_err("invalid")
        .to_string();
    assert!(error.contains("max_record"), "{error}");
}

#[test]
fn a_bad_duration_says_how_to_write_one() {
    let error = LivekitConfig::from_yaml("openvidu: {analytics: {interval: soon}}")
        .expect_err("invalid")
        .to_string();
    assert!(error.contains("soon") && error.contains("10s"), "{error}");
}

#[test]
fn mongo_url_and_sinks_mongo_together_are_refused() {
    let yaml =
        "openvidu: {analytics: {mongo_url: 'mongodb://a', sinks: {mongo: {url: 'mongodb://b'}}}}";
    let error = LivekitConfig::from_yaml(yaml)
        .expect_err("invalid")
        .to_string();
    assert!(error.contains("mongo_url"), "{error}");
}

#[test]
fn when_full_reads_both_modes() {
    let config = LivekitConfig::from_yaml(
        "openvidu: {analytics: {buffer: {when_full: drop_newest, max_records: 10}}}",
    )
    .expect("valid");
    assert_eq!(
        config.openvidu.analytics.buffer.when_full,
        WhenFull::DropNewest
    );
    assert_eq!(config.openvidu.analytics.buffer.max_records, 10);
    assert!(
        LivekitConfig::from_yaml("openvidu: {analytics: {buffer: {when_full: sometimes}}}")
            .is_err()
    );
}

#[test]
fn the_printed_config_has_no_secret() {
    let text = LivekitConfig::from_yaml(LIVEKIT_YAML)
        .expect("valid")
        .to_masked_yaml();
    for secret in ["secret-number-one", "redis-pw", "mongopw"] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    assert!(text.contains("mongoadmin:***@mongo:27017"), "{text}");
    assert!(text.contains("768h"), "{text}");
}

#[test]
fn debug_output_of_the_config_has_no_secret() {
    let config = LivekitConfig::from_yaml(LIVEKIT_YAML).expect("valid");
    let text = format!("{config:?}");
    for secret in ["secret-number-one", "redis-pw", "mongopw"] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
}

#[test]
fn dev_config_matches_the_contract() {
    let config = LivekitConfig::dev();
    assert_eq!(
        config.keys.get("devkey").map(String::as_str),
        Some("secret")
    );
    assert_eq!(config.openvidu.analytics.interval, Duration::from_secs(1));
    assert_eq!(
        config.openvidu.analytics.listen.to_string(),
        "127.0.0.1:7890"
    );
    assert_eq!(config.sink_specs().expect("specs")[0].kind, "sqlite");
}

#[test]
fn batch_size_is_the_sinks_own_then_the_sections_then_the_sinks_preference() {
    let yaml = r#"
openvidu:
  analytics:
    enabled: true
    sinks:
      fast: { type: sqlite, path: /tmp/a.db, batch_size: 50000 }
      plain: { type: sqlite, path: /tmp/b.db }
"#;
    let config = LivekitConfig::from_yaml(yaml).expect("valid");
    let specs = config.sink_specs().expect("specs");
    assert!(
        specs.iter().all(|s| s.settings.get("batch_size").is_none()),
        "batch_size is not passed to the sink"
    );
    let analytics = &config.openvidu.analytics;
    assert_eq!(analytics.batch_size_of("fast", Some(10_000)), 50_000);
    assert_eq!(analytics.batch_size_of("plain", Some(10_000)), 10_000);
    assert_eq!(analytics.batch_size_of("plain", None), DEFAULT_BATCH_SIZE);

    let with_section = yaml.replace("enabled: true", "enabled: true\n    batch_size: 200");
    let config = LivekitConfig::from_yaml(&with_section).expect("valid");
    let analytics = &config.openvidu.analytics;
    assert_eq!(analytics.batch_size_of("fast", Some(10_000)), 50_000);
    assert_eq!(analytics.batch_size_of("plain", Some(10_000)), 200);
}

/// A sink that says its preferred sizes.
struct Preferring(Option<usize>, Option<usize>);

#[async_trait::async_trait]
impl crate::Sink for Preferring {
    fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), crate::SinkError> {
        Ok(())
    }

    async fn send_batch(&self, _batch: &crate::Batch) -> Result<(), crate::SinkError> {
        Ok(())
    }

    fn preferred_batch_size(&self) -> Option<usize> {
        self.0
    }

    fn preferred_backlog_batch_size(&self) -> Option<usize> {
        self.1
    }
}

#[test]
fn a_configured_batch_size_bounds_every_write_and_otherwise_the_sink_says() {
    let yaml = r#"
openvidu:
  analytics:
    enabled: true
    sinks:
      sized: { type: sqlite, path: /tmp/a.db, batch_size: 500 }
      plain: { type: sqlite, path: /tmp/b.db }
"#;
    let config = LivekitConfig::from_yaml(yaml).expect("valid");
    let analytics = &config.openvidu.analytics;
    let sqlite_like = Preferring(Some(10_000), Some(50_000));
    assert_eq!(
        analytics.batch_sizes_of("sized", &sqlite_like),
        BatchSizes::fixed(500)
    );
    assert_eq!(
        analytics.batch_sizes_of("plain", &sqlite_like),
        BatchSizes {
            full: 10_000,
            most: 50_000
        }
    );
    assert_eq!(
        analytics.batch_sizes_of("plain", &Preferring(None, None)),
        BatchSizes::fixed(DEFAULT_BATCH_SIZE)
    );
    assert_eq!(
        analytics.batch_sizes_of("plain", &Preferring(Some(2_000), Some(10))),
        BatchSizes::fixed(2_000),
        "a write takes at least a batch"
    );

    let with_section = yaml.replace("enabled: true", "enabled: true\n    batch_size: 200");
    let config = LivekitConfig::from_yaml(&with_section).expect("valid");
    assert_eq!(
        config
            .openvidu
            .analytics
            .batch_sizes_of("plain", &sqlite_like),
        BatchSizes::fixed(200)
    );
}

#[test]
fn a_sink_batch_size_that_is_not_a_positive_integer_is_an_error_naming_it() {
    for bad in ["0", "-5", "lots", "1.5"] {
        let yaml = format!(
            "openvidu: {{analytics: {{enabled: true, sinks: {{db: {{type: sqlite, path: /tmp/x.db, batch_size: {bad}}}}}}}}}"
        );
        let error = LivekitConfig::from_yaml(&yaml)
            .expect_err("invalid batch_size")
            .to_string();
        assert!(error.contains("sinks.db.batch_size"), "{bad}: {error}");
    }
    let error = LivekitConfig::from_yaml("openvidu: {analytics: {batch_size: 0}}")
        .expect_err("invalid")
        .to_string();
    assert!(error.contains("batch_size"), "{error}");
}

#[test]
fn secrets_in_url_query_strings_are_masked() {
    assert_eq!(
        mask_url("postgres://host/db?user=u&password=p4ss&sslmode=disable"),
        "postgres://host/db?user=u&password=***&sslmode=disable"
    );
    let url = "mongodb://h/?authSource=admin&authMechanismProperties=AWS_SESSION_TOKEN:tok3n\
        &tlsCertificateKeyFilePassword=kf-pw&appName=lka";
    let masked = mask_url(url);
    for secret in ["admin", "tok3n", "kf-pw"] {
        assert!(!masked.contains(secret), "{secret} in {masked}");
    }
    assert!(masked.contains("appName=lka"), "{masked}");
    for name in [
        "password",
        "pass",
        "passwd",
        "pwd",
        "secret",
        "token",
        "key",
        "apikey",
        "api_key",
        "API-KEY",
        "access_token",
        "sslpassword",
        "client_secret",
        "pass%77ord",
    ] {
        let masked = mask_url(&format!("redis://host:6379/0?{name}=hunter22#frag"));
        assert_eq!(
            masked,
            format!("redis://host:6379/0?{name}=***#frag"),
            "{name}"
        );
    }
    for name in ["sslmode", "application_name", "replicaSet", "w"] {
        let url = format!("postgres://host/db?{name}=visible");
        assert_eq!(mask_url(&url), url, "{name} is not a secret");
    }
}

#[test]
fn userinfo_and_query_are_masked_together_and_inside_free_text() {
    assert_eq!(
        mask_url("rediss://tok3n-only@host:6380?password=x1y2z3"),
        "rediss://***@host:6380?password=***"
    );
    assert_eq!(
        mask_url("postgres://u:pa/ss@host/db"),
        "postgres://u:***@host/db",
        "a password with an unescaped `/` is masked whole"
    );
    let text = "error connecting to \"postgresql://u:pw1@h:1/db?password=pw2\": refused; \
        also tried postgres://h2/db?token=pw3, then gave up";
    let masked = mask_url(text);
    for secret in ["pw1", "pw2", "pw3"] {
        assert!(!masked.contains(secret), "{secret} in {masked}");
    }
    assert!(masked.starts_with("error connecting to \"postgresql://u:***@h:1/db?password=***\""));
    assert!(masked.ends_with("then gave up"), "{masked}");
}

#[test]
fn secrets_a_driver_quotes_without_the_url_are_masked() {
    let url = "postgres://u:first-secret@h/db?password=second%2Dsecret&sslmode=require";
    let text =
        "auth failed for first-secret; bad password second-secret; see postgres://h/db?pwd=x9x9";
    let masked = mask_url_secrets_in(text, url);
    for secret in ["first-secret", "second-secret", "x9x9"] {
        assert!(!masked.contains(secret), "{secret} in {masked}");
    }
    assert!(url_secrets("postgres://host/db?sslmode=require").is_empty());
    assert!(url_secrets("not a url").is_empty());
}

#[test]
fn check_config_masks_query_secrets_in_sink_urls() {
    let yaml = "openvidu: {analytics: {sinks: {pg: {type: postgres, \
        url: 'postgres://h/db?user=u&password=yaml-pg-secret'}, \
        cache: {type: redis, url: 'redis://h:6379/0?token=yaml-redis-secret'}}}}";
    let text = LivekitConfig::from_yaml(yaml)
        .expect("valid")
        .to_masked_yaml();
    assert!(!text.contains("yaml-pg-secret"), "{text}");
    assert!(!text.contains("yaml-redis-secret"), "{text}");
    assert!(text.contains("user=u&password=***"), "{text}");
}
