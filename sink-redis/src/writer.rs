//! The write path of one batch: check the records, plan the commands (stream appends by
//! script, per-room lookups, active entities) grouped by cluster slot, run them, and read
//! every reply into the batch's outcome.

use std::collections::BTreeMap;

use analytics_core::{sink::RecordFailure, ActiveChange, Batch, Record, RecordKind, SinkError};
use redis::{Cmd, Value};

use crate::{
    connection::RedisConnection,
    errors::{classify, reply_failure, Failure},
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

enum Attempt {
    Done(WriteSummary, BTreeMap<usize, RecordFailure>),
    NoScript,
}

impl Writer<'_> {
    /// Writes a batch. Records refused by the checks or by Redis are reported in
    /// [`SinkError::Records`]; a lost or unusable server is [`SinkError::Unavailable`].
    pub async fn write(&self, batch: &Batch) -> Result<WriteSummary, SinkError> {
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
        let (summary, written_failures) = match self
            .attempt(batch, &valid, ScriptCall::BySha)
            .await?
        {
            Attempt::Done(summary, failures) => (summary, failures),
            Attempt::NoScript => match self.attempt(batch, &valid, ScriptCall::WithSource).await? {
                Attempt::Done(summary, failures) => (summary, failures),
                Attempt::NoScript => {
                    return Err(SinkError::Unavailable(
                        "Redis answers NOSCRIPT even to EVAL".to_owned(),
                    ))
                }
            },
        };
        failures.extend(written_failures);
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
                    read_append_statuses(reply, indices, &mut summary, &mut failures);
                }
            }
        }
        if no_script {
            return Ok(Attempt::NoScript);
        }
        Ok(Attempt::Done(summary, failures))
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
        let changes: Vec<usize> = valid
            .iter()
            .copied()
            .filter(|&i| batch[i].active_change.is_some())
            .collect();
        if !changes.is_empty() {
            let cmd = self.active_cmd(batch, &changes, call);
            plan.push_group(vec![(cmd, Part::Covering(changes))]);
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

    fn active_cmd(&self, batch: &Batch, changes: &[usize], call: ScriptCall) -> Cmd {
        let mut cmd = self
            .scripts
            .active(call, &[self.layout.active(), self.layout.closed()]);
        cmd.arg(self.ttl_ms);
        for &index in changes {
            let record = &batch[index];
            match &record.active_change {
                Some(ActiveChange::Opened { entity, id }) => {
                    cmd.arg("open")
                        .arg(format!("{entity}:{id}"))
                        .arg(&record.document_json);
                }
                Some(ActiveChange::Closed { entity, id }) => {
                    cmd.arg("close")
                        .arg(format!("{entity}:{id}"))
                        .arg(record.expire_at_ms);
                }
                None => {}
            }
        }
        cmd
    }
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
        Failure::Unavailable(reason) => Err(SinkError::Unavailable(reason.clone())),
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
    summary: &mut WriteSummary,
    failures: &mut BTreeMap<usize, RecordFailure>,
) {
    let statuses: Vec<String> = redis::from_redis_value_ref(reply).unwrap_or_default();
    for (position, &index) in indices.iter().enumerate() {
        match statuses.get(position).map(String::as_str) {
            Some(status) if status.starts_with('+') => summary.added += 1,
            Some(status) if status.starts_with('=') => summary.duplicates += 1,
            Some(status) => {
                let reason = status.strip_prefix('!').unwrap_or(status);
                let retryable = !reason.starts_with("WRONGTYPE");
                failures.insert(index, failure_of(index, retryable, reason));
            }
            None => {
                failures.insert(
                    index,
                    failure_of(
                        index,
                        true,
                        "the append script gave no status for this record",
                    ),
                );
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
