//! `livekit-analytics simulate`: realistic LiveKit analytics traffic against a running
//! instance, over gRPC, webhooks or the JSON API, with time compressed; a progress bar on
//! stderr and a closing summary on stdout.

mod client;
mod delivery;
mod grpc_client;
mod json_client;
pub mod options;
pub mod scenario;
mod summary;
mod token;
mod webhook_client;
pub mod webhook_mapping;

use std::{
    process::ExitCode,
    time::{Duration, Instant, SystemTime},
};

use indicatif::{ProgressBar, ProgressStyle};

use crate::error::{Error, Result};

use self::{
    client::Client,
    options::SimulateArgs,
    scenario::{ScenarioSettings, Session},
    summary::Summary,
};

/// Runs the simulation; exit code 1 when a record could not be delivered.
pub async fn run(args: SimulateArgs) -> Result<ExitCode> {
    if args.rooms == 0 || args.participants == 0 {
        return Err(Error::NoRoomsOrParticipants);
    }
    if !args.time_scale.is_finite() || args.time_scale < 0.0 {
        return Err(Error::InvalidTimeScale);
    }
    let seed = args.seed.unwrap_or_else(rand::random);
    println!("simulate: seed {seed} (--seed {seed} sends the same session again)");
    let mut settings = ScenarioSettings {
        rooms: args.rooms,
        participants: args.participants,
        duration: args.duration,
        start: SystemTime::now(),
        node_id: "ND_simulated".into(),
        seed,
    };
    settings.start = session_start(settings.start, settings.simulated_length(), args.time_scale);
    let session = Session::generate(&settings);
    let mut client = Client::connect(args.source, &args.url, &args.api_key, &args.api_secret)
        .await
        .map_err(Error::Connect)?;
    let summary = drive(&args, &session, &mut client).await;
    let mut summary = summary;
    if let Err(error) = client.finish().await {
        summary.failed(&error);
    }
    print!("{summary}");
    Ok(if summary.errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The simulated time of the session's start, so that no record is stamped later than the
/// moment it is sent: with time compressed (`time_scale` above 1, or 0 for as fast as
/// possible) the session is placed in the recent past and ends as its last step is sent.
fn session_start(now: SystemTime, duration: Duration, time_scale: f64) -> SystemTime {
    let sent_within = if time_scale == 0.0 {
        Duration::ZERO
    } else if time_scale >= 1.0 {
        duration.div_f64(time_scale)
    } else {
        return now;
    };
    now.checked_sub(duration.saturating_sub(sent_within))
        .unwrap_or(now)
}

/// Sends every step at its time (simulated time divided by the time scale).
async fn drive(args: &SimulateArgs, session: &Session, client: &mut Client) -> Summary {
    let total: usize = session
        .steps
        .iter()
        .map(|step| client.deliverable(&step.payload))
        .sum();
    let progress = progress_bar(total as u64);
    let mut summary = Summary {
        source: args.source.as_str().into(),
        url: args.url.clone(),
        rooms: args.rooms,
        participants: args.participants,
        simulated: args.duration,
        ..Default::default()
    };
    let started = Instant::now();
    for step in &session.steps {
        if let Some(due) = due_time(started, step.at, args.time_scale) {
            if due > Instant::now() {
                match client.flush().await {
                    Ok(delivered) => {
                        progress.inc(delivered.count() as u64);
                        summary.delivered(delivered);
                    }
                    Err(error) => {
                        progress.inc(error.lost as u64);
                        summary.failed(&error);
                    }
                }
                tokio::time::sleep_until(due.into()).await;
            }
        }
        let result = client.send(&step.payload).await;
        let fatal = match result {
            Ok(delivered) => {
                progress.inc(delivered.count() as u64);
                summary.delivered(delivered);
                false
            }
            Err(error) => {
                progress.inc(error.lost as u64);
                progress.set_message(format!("{} errors", summary.errors + 1));
                summary.failed(&error);
                error.fatal
            }
        };
        if fatal {
            break;
        }
    }
    match client.flush().await {
        Ok(delivered) => summary.delivered(delivered),
        Err(error) => summary.failed(&error),
    }
    summary.elapsed = started.elapsed();
    progress.finish_and_clear();
    summary
}

/// When a step of simulated time `at` is due, or `None` when sending as fast as possible.
fn due_time(started: Instant, at: Duration, time_scale: f64) -> Option<Instant> {
    (time_scale > 0.0).then(|| started + at.div_f64(time_scale))
}

fn progress_bar(total: u64) -> ProgressBar {
    let progress = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} records ({per_sec}) {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    progress.set_style(style);
    progress
}
