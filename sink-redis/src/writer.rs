//! The write path of one batch: check the records, plan the commands (stream appends by
//! script, per-room lookups) grouped by cluster slot, run them, read every reply into the
//! batch's outcome, then apply the net active-entity change of the records the appends
//! newly stored (one more round trip, in batch order).

use std::collections::{BTreeMap, BTreeSet};

use analytics_core::{
    active_entities::{net_active_entity_changes, ActiveEntityChanges},
    sink::RecordFailure,
    turns::Turns,
    ActiveChange, Batch, Record, RecordKind, SinkError,
};
use redis::{Cmd, Value};

use crate::{
    append_reply::{append_statuses, AppendStatus},
    connection::RedisConnection,
    error::{classify, refused_status_is_retryable, reply_failure, Failure},
    layout::{type_field, KeyLayout},
    scripts::{ScriptCall, Scripts},
    validate::refusal,
};

/// Records per append script call: bounds how long one script holds the server.
const RECORDS_PER_SCRIPT: usize = 500;

/// What the sink needs to write.
pub struct Writer<'a> {
    pub connection: &'a RedisConnection,
    pub layout: &'a KeyLayout,
    pub scripts: &'a Scripts,
    /// Keeps the active-entity steps of batches in flight in send order.
    pub order: &'a Turns,
    /// Time to live of every key and marker, in ms.
    pub ttl_ms: u64,
}

/// How many records of a batch were new and how many were already stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub added: usize,
    pub duplicates: usize,
}

/// Which records a command carries, to blame the right ones when it fails.
enum Part {
    /// A stream append: one status per record, in order.
    Append(Vec<usize>),
    /// A lookup or active-entity command: all its records fail with it.
    Covering(Vec<usize>),
}

/// The commands of a batch, one group per cluster slot, and what each command carries.
struct Plan {
    groups: Vec<Vec<Cmd>>,
    parts: Vec<Vec<Part>>,
}

impl Plan {
    fn push_group(&mut self, group: Vec<(Cmd, Part)>) {
        if group.is_empty() {
            return;
        }
        let (cmds, parts) = group.into_iter().unzip();
        self.groups.push(cmds);
        self.parts.push(parts);
    }
}

/// What the appends did: counts, refused records, and the records newly stored.
type Written = (
    WriteSummary,
    BTreeMap<usize, RecordFailure>,
    BTreeSet<usize>,
);

enum Attempt {
    Done(Written),
    NoScript,
}

impl Writer<'_> {
    /// Writes a batch. Records refused by the checks or by Redis are reported in
    /// [`SinkError::Records`]; a lost or unusable server is [`SinkError::Unavailable`].
    pub async fn write(&self, batch: &Batch) -> Result<WriteSummary, SinkError> {
        let ticket = self.order.ticket();
        let mut failures = BTreeMap::new();
        let mut valid = Vec::with_capacity(batch.len());
        for (index, record) in batch.iter().enumerate() {
            match refusal(record) {
                Some(reason) => {
                    failures.insert(index, failure(index, false, reason));
                }
                None => valid.push(index),
            }
        }
        let (summary, written_failures, newly_stored) = match self
            .attempt(batch, &valid, ScriptCall::BySha)
            .await?
        {
            Attempt::Done(written) => written,
            Attempt::NoScript => match self.attempt(batch, &valid, ScriptCall::WithSource).await? {
                Attempt::Done(written) => written,
                Attempt::NoScript => return Err(no_script()),
            },
        };
        failures.extend(written_failures);
        ticket.turn().await;
        self.apply_active_changes(batch, &newly_stored, &mut failures)
            .await?;
        drop(ticket);
        if failures.is_empty() {
            Ok(summary)
        } else {
            Err(SinkError::Records(failures.into_values().collect()))
        }
    }

    async fn attempt(
        &self,
        batch: &Batch,
        valid: &[usize],
        call: ScriptCall,
    ) -> Result<Attempt, SinkError> {
        let plan = self.plan(batch, valid, call);
        let results = self.connection.run_groups(plan.groups).await;
        let mut summary = WriteSummary::default();
        let mut failures = BTreeMap::new();
        let mut newly_stored = BTreeSet::new();
        let mut no_script = false;
        for (result, parts) in results.into_iter().zip(plan.parts) {
            let replies = match result {
                Ok(replies) => replies,
                Err(error) => {
                    let failure = classify(&error);
                    for part in &parts {
                        no_script |= blame(&failure, part_indices(part), &mut failures)?;
                    }
                    continue;
                }
            };
            for (reply, part) in replies.iter().zip(&parts) {
                if let Some(failure) = reply_failure(reply) {
                    no_script |= blame(&failure, part_indices(part), &mut failures)?;
                } else if let Part::Append(indices) = part {
                    let outcome = (&mut summary, &mut failures, &mut newly_stored);
                    read_append_statuses(reply, indices, outcome);
                }
            }
        }
        if no_script {
            return Ok(Attempt::NoScript);
        }
        Ok(Attempt::Done((summary, failures, newly_stored)))
    }

    /// Applies the net change of the records newly stored; a refused change fails the
    /// records that carry it.
    async fn apply_active_changes(
        &self,
        batch: &Batch,
        newly_stored: &BTreeSet<usize>,
        failures: &mut BTreeMap<usize, RecordFailure>,
    ) -> Result<(), SinkError> {
        let changes = net_active_entity_changes(batch, |index| newly_stored.contains(&index));
        if changes.is_empty() {
            return Ok(());
        }
        let carrying: Vec<usize> = newly_stored
            .iter()
            .copied()
            .filter(|&index| batch[index].active_change.is_some())
            .collect();
        for call in [ScriptCall::BySha, ScriptCall::WithSource] {
            let cmd = self.active_cmd(batch, &changes, &carrying, call);
            let failure = match self.connection.run_groups(vec![vec![cmd]]).await.pop() {
                Some(Ok(replies)) => match replies.first().and_then(reply_failure) {
                    Some(failure) => failure,
                    None => return Ok(()),
                },
                Some(Err(error)) => classify(&error),
                None => return Ok(()),
            };
            if !blame(&failure, &carrying, failures)? {
                return Ok(());
            }
        }
        Err(no_script())
    }

    fn plan(&self, batch: &Batch, valid: &[usize], call: ScriptCall) -> Plan {
        let mut plan = Plan {
            groups: Vec::new(),
            parts: Vec::new(),
        };
        for kind in [RecordKind::Event, RecordKind::Stat] {
            let of_kind: Vec<usize> = valid
                .iter()
                .copied()
                .filter(|&i| batch[i].kind == kind)
                .collect();
            let group = of_kind
                .chunks(RECORDS_PER_SCRIPT)
                .map(|chunk| {
                    (
                        self.append_cmd(batch, kind, chunk, call),
                        Part::Append(chunk.to_vec()),
                    )
                })
                .collect();
            plan.push_group(group);
        }
        let mut rooms: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &index in valid {
            if !batch[index].room_sid.is_empty() {
                rooms
                    .entry(batch[index].room_sid.as_str())
                    .or_default()
                    .push(index);
            }
        }
        for (room_sid, indices) in rooms {
            plan.push_group(self.room_cmds(batch, room_sid, &indices));
        }
        plan
    }

    fn append_cmd(
        &self,
        batch: &Batch,
        kind: RecordKind,
        chunk: &[usize],
        call: ScriptCall,
    ) -> Cmd {
        let mut keys = Vec::with_capacity(chunk.len() + 1);
        keys.push(self.layout.stream(kind));
        keys.extend(
            chunk
                .iter()
                .map(|&i| self.layout.seen_marker(kind, &batch[i].id)),
        );
        let mut cmd = self.scripts.append(call, &keys);
        cmd.arg(self.ttl_ms).arg(type_field(kind));
        for &index in chunk {
            let record: &Record = &batch[index];
            cmd.arg(&record.id)
                .arg(&record.type_name)
                .arg(&record.room_sid)
                .arg(&record.document_json);
        }
        cmd
    }

    fn room_cmds(&self, batch: &Batch, room_sid: &str, indices: &[usize]) -> Vec<(Cmd, Part)> {
        let mut group = Vec::new();
        for kind in [RecordKind::Event, RecordKind::Stat] {
            let of_kind: Vec<usize> = indices
                .iter()
                .copied()
                .filter(|&i| batch[i].kind == kind)
                .collect();
            if of_kind.is_empty() {
                continue;
            }
            let key = self.layout.room_lookup(kind, room_sid);
            let mut zadd = redis::cmd("ZADD");
            zadd.arg(&key);
            for &index in &of_kind {
                zadd.arg(batch[index].timestamp_ms).arg(&batch[index].id);
            }
            let mut pexpire = redis::cmd("PEXPIRE");
            pexpire.arg(&key).arg(self.ttl_ms);
            group.push((zadd, Part::Covering(of_kind.clone())));
            group.push((pexpire, Part::Covering(of_kind)));
        }
        group
    }

    /// The net change as `open` / `close` entries, and each other newly stored close
    /// (superseded within its batch) as `seen`, for the fixer's close-event lookup.
    fn active_cmd(
        &self,
        batch: &Batch,
        changes: &ActiveEntityChanges,
        carrying: &[usize],
        call: ScriptCall,
    ) -> Cmd {
        let mut cmd = self
            .scripts
            .active(call, &[self.layout.active(), self.layout.closed()]);
        cmd.arg(self.ttl_ms);
        for opened in &changes.opened {
            cmd.arg("open")
                .arg(format!("{}:{}", opened.entity, opened.id))
                .arg(&batch[opened.index].document_json);
        }
        let net_closes: BTreeSet<usize> = changes.closed.iter().map(|c| c.index).collect();
        for &index in carrying {
            if let Some(ActiveChange::Closed { entity, id }) = &batch[index].active_change {
                let op = if net_closes.contains(&index) {
                    "close"
                } else {
                    "seen"
                };
                cmd.arg(op)
                    .arg(format!("{entity}:{id}"))
                    .arg(batch[index].expire_at_ms);
            }
        }
        cmd
    }
}

fn no_script() -> SinkError {
    SinkError::unavailable("Redis answers NOSCRIPT even to EVAL")
}

fn part_indices(part: &Part) -> &[usize] {
    match part {
        Part::Append(indices) | Part::Covering(indices) => indices,
    }
}

/// Records a failure against `indices`. Returns whether the server asked for the script
/// source; a lost server stops the batch.
fn blame(
    failure: &Failure,
    indices: &[usize],
    failures: &mut BTreeMap<usize, RecordFailure>,
) -> Result<bool, SinkError> {
    match failure {
        Failure::Unavailable(reason) => Err(SinkError::unavailable(reason)),
        Failure::Operator(reason) => Err(SinkError::operator(reason.clone())),
        Failure::NoScript => Ok(true),
        Failure::Refused { reason, retryable } => {
            for &index in indices {
                failures
                    .entry(index)
                    .or_insert_with(|| failure_of(index, *retryable, reason));
            }
            Ok(false)
        }
    }
}

fn read_append_statuses(
    reply: &Value,
    indices: &[usize],
    (summary, failures, newly_stored): (
        &mut WriteSummary,
        &mut BTreeMap<usize, RecordFailure>,
        &mut BTreeSet<usize>,
    ),
) {
    let Some(statuses) = append_statuses(reply, indices.len()) else {
        for &index in indices {
            let reason = "the append script's answer could not be read";
            failures.insert(index, failure_of(index, true, reason));
        }
        return;
    };
    for (status, &index) in statuses.into_iter().zip(indices) {
        match status {
            AppendStatus::Added => {
                summary.added += 1;
                newly_stored.insert(index);
            }
            AppendStatus::Duplicate => summary.duplicates += 1,
            AppendStatus::Refused(reason) => {
                let retryable = refused_status_is_retryable(&reason);
                failures.insert(index, failure(index, retryable, reason));
            }
        }
    }
}

fn failure_of(index: usize, retryable: bool, reason: &str) -> RecordFailure {
    failure(index, retryable, reason.to_owned())
}

fn failure(index: usize, retryable: bool, reason: String) -> RecordFailure {
    RecordFailure {
        index,
        retryable,
        reason,
    }
}
