//! A session's tracks (from `TRACK_PUBLISHED` / `TRACK_UNPUBLISHED` and their documents'
//! `track`) and its egresses and ingresses (from `EGRESS_*` / `INGRESS_*` and the status in
//! their documents), with the stats of each track.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    document_fields::Document,
    stats_summary::{quality_of, traffic_of},
    MediaJobView, StatsTotals, StoredEvent, TrackView,
};

/// The tracks published in `events` (in time order), by publishing time then track sid;
/// `identity_of` names a participant sid's identity when the event does not.
pub fn tracks_of(
    events: &[(&StoredEvent, Document)],
    totals: &[StatsTotals],
    identity_of: impl Fn(&str) -> String,
) -> Vec<TrackView> {
    let mut tracks: BTreeMap<String, TrackView> = BTreeMap::new();
    for (event, document) in events {
        let sid = if event.track_sid.is_empty() {
            document.text(&["track", "sid"])
        } else {
            event.track_sid.clone()
        };
        if sid.is_empty() {
            continue;
        }
        match event.type_name.as_str() {
            "TRACK_PUBLISHED" => {
                let track = tracks
                    .entry(sid.clone())
                    .or_insert_with(|| published(&sid, event, document));
                if track.simulcast_layers.is_empty() {
                    track.simulcast_layers = document.simulcast_layers();
                }
            }
            "TRACK_UNPUBLISHED" => {
                if let Some(track) = tracks.get_mut(&sid) {
                    track.unpublished_at_ms.get_or_insert(event.timestamp_ms);
                }
            }
            _ => {}
        }
    }
    let mut tracks: Vec<TrackView> = tracks
        .into_values()
        .map(|mut track| {
            if track.participant_identity.is_empty() {
                track.participant_identity = identity_of(&track.participant_sid);
            }
            let own = || totals.iter().filter(|row| row.track_sid == track.track_sid);
            track.quality = quality_of(own());
            track.traffic = traffic_of(own());
            track
        })
        .collect();
    tracks
        .sort_by(|a, b| (a.published_at_ms, &a.track_sid).cmp(&(b.published_at_ms, &b.track_sid)));
    tracks
}

fn published(sid: &str, event: &StoredEvent, document: &Document) -> TrackView {
    let or_document = |column: &str, path: &[&str]| {
        if column.is_empty() {
            document.text(path)
        } else {
            column.to_owned()
        }
    };
    let mime = document.text(&["track", "mime_type"]);
    TrackView {
        track_sid: sid.to_owned(),
        participant_sid: or_document(&event.participant_sid, &["participant", "sid"]),
        participant_identity: or_document(
            &event.participant_identity,
            &["participant", "identity"],
        ),
        source: document.text(&["track", "source"]),
        kind: document.track_kind(),
        mime: if mime.is_empty() {
            document.text(&["mime"])
        } else {
            mime
        },
        simulcast_layers: document.simulcast_layers(),
        published_at_ms: event.timestamp_ms,
        unpublished_at_ms: None,
        quality: Default::default(),
        traffic: Default::default(),
    }
}

/// Egresses (`EGRESS_*`) or ingresses (`INGRESS_*`) of `events` (in time order), by start
/// then id.
pub fn jobs_of(events: &[(&StoredEvent, Document)], kind: JobKind) -> Vec<MediaJobView> {
    let mut jobs: BTreeMap<&str, MediaJobView> = BTreeMap::new();
    let mut started = BTreeSet::new();
    for (event, document) in events {
        let id = match kind {
            JobKind::Egress => event.egress_id.as_str(),
            JobKind::Ingress => event.ingress_id.as_str(),
        };
        let Some(step) = event.type_name.strip_prefix(kind.prefix()) else {
            continue;
        };
        if id.is_empty() {
            continue;
        }
        let job = jobs.entry(id).or_insert_with(|| MediaJobView {
            id: id.to_owned(),
            started_at_ms: event.timestamp_ms,
            ended_at_ms: None,
            status: String::new(),
            synthetic_end: false,
        });
        match step {
            // Started when first said so; before that (`INGRESS_CREATED`), when first told.
            "STARTED" if started.insert(id) => job.started_at_ms = event.timestamp_ms,
            "ENDED" if job.ended_at_ms.is_none() => {
                job.ended_at_ms = Some(event.timestamp_ms);
                job.synthetic_end = document.synthetic();
            }
            _ => {}
        }
        let status = document.text(kind.status_path());
        if !status.is_empty() {
            job.status = status;
        }
    }
    let mut jobs: Vec<MediaJobView> = jobs.into_values().collect();
    jobs.sort_by(|a, b| (a.started_at_ms, &a.id).cmp(&(b.started_at_ms, &b.id)));
    jobs
}

/// Which media jobs [`jobs_of`] reads.
#[derive(Debug, Clone, Copy)]
pub enum JobKind {
    Egress,
    Ingress,
}

impl JobKind {
    fn prefix(self) -> &'static str {
        match self {
            JobKind::Egress => "EGRESS_",
            JobKind::Ingress => "INGRESS_",
        }
    }

    fn status_path(self) -> &'static [&'static str] {
        match self {
            JobKind::Egress => &["egress", "status"],
            JobKind::Ingress => &["ingress", "state", "status"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(type_name: &str, at: i64, document: &str) -> StoredEvent {
        StoredEvent {
            type_name: type_name.into(),
            timestamp_ms: at,
            participant_sid: "PA_1".into(),
            participant_identity: String::new(),
            track_sid: String::new(),
            egress_id: "EG_1".into(),
            ingress_id: "IN_1".into(),
            document: document.into(),
        }
    }

    fn parsed(events: &[StoredEvent]) -> Vec<(&StoredEvent, Document)> {
        events
            .iter()
            .map(|event| (event, Document::parse(&event.document)))
            .collect()
    }

    #[test]
    fn a_track_is_read_from_its_publishing_and_unpublishing() {
        let events = [
            event(
                "TRACK_PUBLISHED",
                1_000,
                r#"{"track": {"sid": "TR_1", "type": 1, "source": "CAMERA",
                    "mime_type": "video/VP8", "layers": [{"quality": 2, "width": 1280,
                    "height": 720}]}}"#,
            ),
            event("TRACK_UNPUBLISHED", 5_000, r#"{"track": {"sid": "TR_1"}}"#),
        ];
        let totals = [StatsTotals {
            track_sid: "TR_1".into(),
            kind: "UPSTREAM".into(),
            bytes: 42,
            ..Default::default()
        }];
        let tracks = tracks_of(&parsed(&events), &totals, |sid| format!("of {sid}"));
        assert_eq!(tracks.len(), 1);
        let track = &tracks[0];
        assert_eq!(track.track_sid, "TR_1");
        assert_eq!(track.participant_identity, "of PA_1");
        assert_eq!(
            (
                track.kind.as_str(),
                track.source.as_str(),
                track.mime.as_str()
            ),
            ("VIDEO", "CAMERA", "video/VP8")
        );
        assert_eq!(track.simulcast_layers, vec!["HIGH 1280x720"]);
        assert_eq!(
            (track.published_at_ms, track.unpublished_at_ms),
            (1_000, Some(5_000))
        );
        assert_eq!(track.traffic.bytes_in, 42);
    }

    #[test]
    fn a_job_has_its_last_status_and_a_synthetic_end() {
        let events = [
            event(
                "EGRESS_STARTED",
                1_000,
                r#"{"egress": {"status": "EGRESS_ACTIVE"}}"#,
            ),
            event("EGRESS_UPDATED", 2_000, r#"{"egress": {}}"#),
            event(
                "EGRESS_ENDED",
                3_000,
                r#"{"egress": {"status": "EGRESS_COMPLETE"}, "synthetic": true}"#,
            ),
            event("INGRESS_CREATED", 500, "{}"),
            event(
                "INGRESS_STARTED",
                1_500,
                r#"{"ingress": {"state": {"status": "ENDPOINT_PUBLISHING"}}}"#,
            ),
        ];
        let events = parsed(&events);
        let egress = &jobs_of(&events, JobKind::Egress)[0];
        assert_eq!(
            (egress.started_at_ms, egress.ended_at_ms),
            (1_000, Some(3_000))
        );
        assert_eq!(egress.status, "EGRESS_COMPLETE");
        assert!(egress.synthetic_end);
        let ingress = &jobs_of(&events, JobKind::Ingress)[0];
        assert_eq!((ingress.started_at_ms, ingress.ended_at_ms), (1_500, None));
        assert_eq!(ingress.status, "ENDPOINT_PUBLISHING");
        assert!(!ingress.synthetic_end);
    }
}
