//! MongoDB: the baseline is unordered `insert_many` of the sink's own prepared BSON
//! documents, 10 000 per call, from 2 tasks at once, into collections the sink set up
//! (indexes and TTL included).

use std::time::{Duration, Instant};

use analytics_core::{Record, RecordKind};
use mongodb::{bson::RawDocumentBuf, Client, Collection, Database};
use sink_mongo::document::stored_document;

use super::{in_parallel, Namespace};

const DOCUMENTS_PER_CALL: usize = 10_000;
const TASKS: usize = 2;

async fn database(url: &str, namespace: &Namespace) -> Result<Database, String> {
    let client = Client::with_uri_str(url)
        .await
        .map_err(|error| format!("mongo: cannot connect: {error}"))?;
    Ok(client.database(&namespace.name))
}

fn collection_name(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Event => "events",
        RecordKind::Stat => "stats",
    }
}

pub async fn baseline(
    url: &str,
    namespace: &Namespace,
    records: &[Record],
) -> Result<Duration, String> {
    let database = database(url, namespace).await?;
    let mut work = Vec::new();
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let documents = records
            .iter()
            .filter(|r| r.kind == kind)
            .map(stored_document)
            .collect::<Result<Vec<RawDocumentBuf>, _>>()
            .map_err(|error| format!("mongo: {error}"))?;
        let collection: Collection<RawDocumentBuf> = database.collection(collection_name(kind));
        for chunk in documents.chunks(DOCUMENTS_PER_CALL) {
            work.push((collection.clone(), chunk.to_vec()));
        }
    }
    let started = Instant::now();
    in_parallel(work, TASKS, |(collection, documents), _| async move {
        collection
            .insert_many(documents)
            .ordered(false)
            .await
            .map(|_| ())
            .map_err(|error| format!("mongo baseline insert_many: {error}"))
    })
    .await?;
    Ok(started.elapsed())
}
