//! `analytics-bench read`: how fast a query sink answers the read API on a realistic
//! project (28 days, 1 000 sessions, 10 000 connections, about 5 M stats at scale 1):
//! the dataset is loaded once through the sink's own write path and kept, then each call is
//! timed and held to its target.

mod calls;
mod dataset;
mod load;
mod messages;
pub mod options;
mod table;
mod timing;

use crate::{
    servers::Servers,
    targets::{Namespace, Target},
};

use self::{
    calls::{Subjects, CALLS},
    dataset::Shape,
    load::{loaded_sink, Counts, Loaded},
    options::ReadOptions,
};

/// The query sinks, in the order `all` measures them.
const QUERY_SINKS: [&str; 3] = ["sqlite", "postgres", "mongo"];

/// Loads and measures every sink asked for; `Ok(false)` when a sink or a call failed.
pub async fn run(options: &ReadOptions) -> Result<bool, String> {
    let shape = Shape::of_scale(options.scale)?;
    let targets = targets(&options.sink, &Servers::from_env())?;
    std::fs::create_dir_all(&options.dir)
        .map_err(|error| format!("cannot create {}: {error}", options.dir.display()))?;
    let namespace = Namespace::named(shape.name());
    let subjects = Subjects::of(&shape);
    let mut complete = true;
    for target in &targets {
        let name = target.name();
        let Loaded {
            sink,
            counts,
            reused,
        } = match loaded_sink(target, &namespace, &options.dir, &shape, options.reload).await {
            Ok(loaded) => loaded,
            Err(message) => {
                eprintln!("sink {name} failed: {message}");
                complete = false;
                continue;
            }
        };
        if let Err(message) = target.analyze(&namespace).await {
            eprintln!("sink {name}: {message}");
            complete = false;
        }
        if !options.load_only {
            let dataset = Dataset {
                shape: &shape,
                counts,
                reused,
            };
            complete &= measure(name, sink.as_ref(), &dataset, &subjects, options).await;
        }
        sink.close().await;
    }
    Ok(complete)
}

/// The sinks `--sink` names; those of `all` whose server is not configured are skipped.
fn targets(sink: &str, servers: &Servers) -> Result<Vec<Target>, String> {
    if sink == "all" {
        let mut targets = Vec::new();
        for name in QUERY_SINKS {
            match servers.target(name) {
                Ok(target) => targets.push(target),
                Err(reason) => eprintln!("{reason}"),
            }
        }
        return Ok(targets);
    }
    if !QUERY_SINKS.contains(&sink) {
        return Err(format!(
            "--sink {sink}: expected one of sqlite, postgres, mongo, all (the query sinks)"
        ));
    }
    Ok(vec![servers.target(sink)?])
}

/// The dataset a sink holds, and whether an earlier run loaded it.
struct Dataset<'a> {
    shape: &'a Shape,
    counts: Counts,
    reused: bool,
}

/// Times every call on one loaded sink and prints its table; `false` when a call failed.
async fn measure(
    name: &str,
    sink: &dyn analytics_core::Sink,
    dataset: &Dataset<'_>,
    subjects: &Subjects,
    options: &ReadOptions,
) -> bool {
    let Some(query) = sink.query() else {
        eprintln!("sink {name} answers no queries");
        return false;
    };
    println!(
        "\nread bench sink={name} dataset={} scale={} sessions={} events={} stats={} reused={} runs={} warmup={}",
        dataset.shape.name(),
        options.scale,
        dataset.shape.sessions,
        dataset.counts.events,
        dataset.counts.stats,
        dataset.reused,
        options.runs,
        options.warmup
    );
    println!("asked: {}\n", subjects.describe());
    println!("{}", table::header());
    let mut complete = true;
    for call in CALLS {
        let plan = timing::Plan {
            warmup: options.warmup,
            runs: options.runs,
            budget: std::time::Duration::from_secs(options.budget_seconds),
        };
        let outcome = timing::time(call, query, subjects, plan).await;
        complete &= outcome.is_ok();
        println!("{}", table::row(name, call, &outcome));
    }
    complete
}
