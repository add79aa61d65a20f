//! The compliance suite again, on a 3-master Redis Cluster: every script and pipeline must
//! stay within one hash slot.

use analytics_core::{
    testkit::{run_sink_compliance, server_url},
    RecordKind,
};

use crate::harness::{
    batch_of, build_sink, cluster_connection, cluster_settings, cluster_urls, delete_prefix,
    ids_of, sessions, unique_prefix, RedisProbe,
};
use crate::targets::cluster_targets;

#[tokio::test]
async fn compliance_suite_passes_on_redis_cluster() {
    let Some(list) = server_url("LKA_TEST_REDIS_CLUSTER_URLS") else {
        return;
    };
    let urls = cluster_urls(&list);
    let run_prefix = unique_prefix("cluster-compliance");
    run_sink_compliance(cluster_targets(&urls, &run_prefix)).await;
    for url in &urls {
        delete_prefix(url, &run_prefix)
            .await
            .expect("test keys deleted");
    }
}

#[tokio::test]
async fn many_rooms_spread_over_the_cluster_are_written() {
    let Some(list) = server_url("LKA_TEST_REDIS_CLUSTER_URLS") else {
        return;
    };
    let urls = cluster_urls(&list);
    let prefix = unique_prefix("cluster-rooms");
    let sink = build_sink(&cluster_settings(&urls, &prefix));
    sink.initialize().await.expect("initialize");
    let mut records = sessions(3);
    for (i, record) in records.iter_mut().enumerate() {
        record.room_sid = format!("RM_spread_{}", i % 17);
    }
    sink.send_batch(&batch_of(&records)).await.expect("written");
    let probe = RedisProbe::new(cluster_connection(&urls).await, &prefix);
    let mut in_lookups = 0;
    for room in 0..17 {
        for kind in [RecordKind::Event, RecordKind::Stat] {
            in_lookups += probe
                .lookup_ids(kind, &format!("RM_spread_{room}"))
                .await
                .len();
        }
    }
    assert_eq!(
        in_lookups,
        records.len(),
        "every record is in its room's lookup"
    );
    let stored: std::collections::BTreeSet<String> =
        analytics_core::testkit::StoreProbe::stored_ids(&probe, RecordKind::Stat)
            .await
            .into_iter()
            .collect();
    assert_eq!(stored, ids_of(&records, RecordKind::Stat));
    for url in &urls {
        delete_prefix(url, &prefix)
            .await
            .expect("test keys deleted");
    }
}
