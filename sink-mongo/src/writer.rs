//! The I/O of a batch: unordered `insert_many` of prepared documents in chunks within
//! MongoDB's message size, with per-document outcomes mapped back to batch indexes.
//! Duplicate keys are success (and reported, so that they move no active entity); no
//! transaction, so a standalone server works too. Then the `active_entities` collection is
//! kept in step with the net change of what was newly stored (computed by
//! [`analytics_core::active_entities`]).

use analytics_core::{active_entities::ActiveEntityChanges, sink::RecordFailure, SinkError};
use mongodb::{
    bson::{doc, Document, RawDocumentBuf},
    error::ErrorKind,
    Collection,
};
use tokio::task::JoinSet;

use crate::{
    config::MongoSettings,
    error::{document_error_is_retryable, sink_error, DUPLICATE_KEY},
};

/// Bytes of documents per `insert_many`, under MongoDB's 48 MB message limit with room for
/// the command itself.
const MAX_CHUNK_BYTES: usize = 32 * 1024 * 1024;
/// Documents per `insert_many`, well under `maxWriteBatchSize` (100 000).
const MAX_CHUNK_DOCUMENTS: usize = 10_000;

/// A document ready to insert, with the index of its record in the batch.
pub struct Prepared {
    pub batch_index: usize,
    pub document: RawDocumentBuf,
}

/// What an insert did with its documents, by batch index: every document neither refused
/// nor a duplicate was newly stored.
#[derive(Debug, Default)]
pub struct Inserted {
    /// Documents the server refused (other than duplicates).
    pub failures: Vec<RecordFailure>,
    /// Documents already stored (duplicate key).
    pub duplicates: Vec<usize>,
}

/// Inserts `documents` into `collection`. An error means the server was not reached or
/// refused the whole operation, and the documents of chunks not yet written may be missing.
pub async fn insert(
    collection: &Collection<RawDocumentBuf>,
    documents: &[Prepared],
    settings: &MongoSettings,
) -> Result<Inserted, SinkError> {
    let mut inserted = Inserted::default();
    for chunk in chunks(documents) {
        insert_chunk(collection, chunk, settings, &mut inserted).await?;
    }
    Ok(inserted)
}

/// Consecutive slices within the chunk limits (a single document is always its own chunk
/// at worst: documents over 16 MiB never get here).
fn chunks(documents: &[Prepared]) -> Vec<&[Prepared]> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, prepared) in documents.iter().enumerate() {
        let size = prepared.document.as_bytes().len();
        if i > start && (bytes + size > MAX_CHUNK_BYTES || i - start == MAX_CHUNK_DOCUMENTS) {
            chunks.push(&documents[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < documents.len() {
        chunks.push(&documents[start..]);
    }
    chunks
}

async fn insert_chunk(
    collection: &Collection<RawDocumentBuf>,
    chunk: &[Prepared],
    settings: &MongoSettings,
    inserted: &mut Inserted,
) -> Result<(), SinkError> {
    let result = collection
        .insert_many(chunk.iter().map(|prepared| &prepared.document))
        .ordered(false)
        .await;
    let error = match result {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    let ErrorKind::InsertMany(outcome) = error.kind.as_ref() else {
        return Err(sink_error(&error, settings));
    };
    // The documents may be written but not acknowledged as asked: writing them all again is
    // safe, as duplicates are success.
    if outcome.write_concern_error.is_some() || outcome.write_errors.is_none() {
        return Err(sink_error(&error, settings));
    }
    for write_error in outcome.write_errors.iter().flatten() {
        let Some(prepared) = chunk.get(write_error.index) else {
            return Err(SinkError::fatal(format!(
                "MongoDB reported a write error for document {} of a chunk of {}",
                write_error.index,
                chunk.len()
            )));
        };
        if write_error.code == DUPLICATE_KEY {
            inserted.duplicates.push(prepared.batch_index);
            continue;
        }
        inserted.failures.push(RecordFailure {
            index: prepared.batch_index,
            retryable: document_error_is_retryable(write_error.code),
            reason: settings.scrub(&format!(
                "MongoDB refused the document (code {}{}): {}",
                write_error.code,
                write_error
                    .code_name
                    .as_deref()
                    .map(|name| format!(" {name}"))
                    .unwrap_or_default(),
                write_error.message
            )),
        });
    }
    Ok(())
}

/// Ids per delete command; far below the 16 MiB command limit for any realistic id.
const DELETE_CHUNK: usize = 10_000;

/// Applies a batch's net active-entity `changes` to `collection`: an opened entity is
/// upserted as `{_id: <id>, entity: "ROOM"|...}`, a closed one deleted.
pub async fn apply_active_changes(
    collection: &Collection<Document>,
    changes: &ActiveEntityChanges,
    settings: &MongoSettings,
) -> Result<(), SinkError> {
    // Each id appears once, so the upserts commute and may run side by side (the driver's
    // connection pool bounds how many at once).
    let mut upserts = JoinSet::new();
    for opened in &changes.opened {
        let (id, entity) = (opened.id.clone(), opened.entity);
        let collection = collection.clone();
        upserts.spawn(async move {
            collection
                .update_one(
                    doc! { "_id": id },
                    doc! { "$set": { "entity": entity.as_str() } },
                )
                .upsert(true)
                .await
        });
    }
    let mut first_error = None;
    while let Some(joined) = upserts.join_next().await {
        let error = match joined {
            Ok(Ok(_)) => continue,
            Ok(Err(error)) => sink_error(&error, settings),
            Err(join_error) => {
                SinkError::fatal(format!("active entity upsert stopped: {join_error}"))
            }
        };
        first_error.get_or_insert(error);
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    let closed: Vec<&str> = changes.closed.iter().map(|c| c.id.as_str()).collect();
    for ids in closed.chunks(DELETE_CHUNK) {
        collection
            .delete_many(doc! { "_id": { "$in": ids } })
            .await
            .map_err(|error| sink_error(&error, settings))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use mongodb::bson::rawdoc;

    use super::*;

    fn prepared(batch_index: usize, padding: usize) -> Prepared {
        Prepared {
            batch_index,
            document: rawdoc! { "pad": "x".repeat(padding) },
        }
    }

    #[test]
    fn chunks_stay_within_bytes_and_counts() {
        let big = MAX_CHUNK_BYTES / 3;
        let documents: Vec<_> = (0..5).map(|i| prepared(i, big)).collect();
        let sizes: Vec<usize> = chunks(&documents).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [2, 2, 1]);

        let many: Vec<_> = (0..MAX_CHUNK_DOCUMENTS + 1)
            .map(|i| prepared(i, 1))
            .collect();
        let sizes: Vec<usize> = chunks(&many).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [MAX_CHUNK_DOCUMENTS, 1]);
        assert!(chunks(&[]).is_empty());
    }
}
