//! The two Lua scripts of the write path, and the `EVALSHA` / `EVAL` commands that run them.
//!
//! Why scripts: a record's idempotency marker and its stream entry must be written together
//! or not at all. With a plain pipeline (`SET NX` then `XADD`), a crash or a lost connection
//! between the two leaves a marker without its entry, and the re-sent record would be
//! skipped as a duplicate: lost. Writing `XADD` first would duplicate it instead. A script
//! runs atomically (and is replicated and written to the AOF as one unit), so neither can
//! happen. All keys a script touches share one cluster slot (see [`crate::layout`]).

use redis::{Cmd, Script};

/// Appends records to one stream, skipping those whose marker exists.
///
/// `KEYS[1]` = the stream, `KEYS[1 + i]` = the marker of record `i`.
/// `ARGV[1]` = TTL in ms, `ARGV[2]` = the type field name (`type` / `kind`), then per record
/// `id`, type, `room_sid`, `data`.
/// Returns only the records that were not added, as pairs: the record's position `i`
/// (from 1), then `=<entry id>` (already there) or `!<error>` (refused by Redis, nothing
/// written for that record). Every record not named was added: the common case costs no
/// reply of its own.
///
/// New records are the common case, so each costs two calls: `XADD`, then `SET NX` of the
/// marker to the new entry id. When the marker was already there (a re-sent record), the
/// new entry is deleted again in the same script, so no reader ever sees it.
const APPEND: &str = r#"
local ttl = ARGV[1]
local type_field = ARGV[2]
local stream = KEYS[1]
local out = {}
for i = 2, #KEYS do
  local base = 3 + (i - 2) * 4
  local entry = redis.pcall('XADD', stream, '*', 'id', ARGV[base], type_field, ARGV[base + 1],
    'room_sid', ARGV[base + 2], 'data', ARGV[base + 3])
  if type(entry) == 'table' and entry.err then
    out[#out + 1] = i - 1
    out[#out + 1] = '!' .. entry.err
  elseif not redis.call('SET', KEYS[i], entry, 'NX', 'PX', ttl) then
    redis.call('XDEL', stream, entry)
    out[#out + 1] = i - 1
    out[#out + 1] = '=' .. redis.call('GET', KEYS[i])
  end
end
return out
"#;
/// Applies a batch's net active-entity change (computed by
/// `analytics_core::active_entities` from the records the append newly stored), and notes
/// every newly stored close event for the fixer's "has a close event" question.
///
/// `KEYS[1]` = the active hash, `KEYS[2]` = the stored close events (member to expiry).
/// `ARGV[1]` = TTL in ms, then per entry: `open` (set in the hash), `close` (delete from the
/// hash and note) or `seen` (a close superseded in its batch: only note), `<ENTITY>:<id>`,
/// and the opening event's document (open) or the close event's expiry in unix ms.
const ACTIVE: &str = r#"
for i = 2, #ARGV, 3 do
  local member = ARGV[i + 1]
  if ARGV[i] == 'open' then
    redis.call('HSET', KEYS[1], member, ARGV[i + 2])
  else
    if ARGV[i] == 'close' then
      redis.call('HDEL', KEYS[1], member)
    end
    redis.call('ZADD', KEYS[2], ARGV[i + 2], member)
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return #ARGV
"#;

/// The scripts, with their SHA1 digests computed once.
pub struct Scripts {
    append: Script,
    active: Script,
}

impl Default for Scripts {
    fn default() -> Self {
        Scripts {
            append: Script::new(APPEND),
            active: Script::new(ACTIVE),
        }
    }
}

/// Whether to call a script by digest (`EVALSHA`) or send its source (`EVAL`, after the
/// server said `NOSCRIPT`, e.g. because it restarted; `EVAL` caches it again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptCall {
    BySha,
    WithSource,
}

impl Scripts {
    /// The command that runs [`APPEND`] on `keys`; the caller adds the `ARGV`s.
    pub fn append(&self, call: ScriptCall, keys: &[String]) -> Cmd {
        invocation(&self.append, APPEND, call, keys)
    }

    /// The command that runs [`ACTIVE`] on `keys`; the caller adds the `ARGV`s.
    pub fn active(&self, call: ScriptCall, keys: &[String]) -> Cmd {
        invocation(&self.active, ACTIVE, call, keys)
    }

    /// `SCRIPT LOAD` commands for both scripts, so that the first batch needs no `EVAL`.
    pub fn load_commands(&self) -> [Cmd; 2] {
        [APPEND, ACTIVE].map(|source| {
            let mut cmd = redis::cmd("SCRIPT");
            cmd.arg("LOAD").arg(source);
            cmd
        })
    }
}

fn invocation(script: &Script, source: &str, call: ScriptCall, keys: &[String]) -> Cmd {
    let mut cmd = match call {
        ScriptCall::BySha => {
            let mut cmd = redis::cmd("EVALSHA");
            cmd.arg(script.get_hash());
            cmd
        }
        ScriptCall::WithSource => {
            let mut cmd = redis::cmd("EVAL");
            cmd.arg(source);
            cmd
        }
    };
    cmd.arg(keys.len()).arg(keys);
    cmd
}
