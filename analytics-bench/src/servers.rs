//! The database servers to measure against, from the variables `scripts/servers/*.sh`
//! export. SQLite needs none: it is a file in a temporary folder.

use crate::targets::Target;

/// Server URLs found in the environment.
#[derive(Debug, Default)]
pub struct Servers {
    postgres: Option<String>,
    redis: Option<String>,
    mongo: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

impl Servers {
    pub fn from_env() -> Servers {
        Servers {
            postgres: var("LKA_TEST_POSTGRES_URL"),
            redis: var("LKA_TEST_REDIS_URL"),
            mongo: var("LKA_TEST_MONGO_URL"),
        }
    }

    /// The target of database `name`, or why it cannot be measured.
    pub fn target(&self, name: &str) -> Result<Target, String> {
        let missing = |variable: &str, script: &str| {
            format!("sink {name} skipped: {variable} is not set (run `source scripts/servers/{script}.sh` first)")
        };
        match name {
            "postgres" => self
                .postgres
                .clone()
                .map(|url| Target::Postgres { url })
                .ok_or_else(|| missing("LKA_TEST_POSTGRES_URL", "postgres")),
            "redis" => self
                .redis
                .clone()
                .map(|url| Target::Redis { url })
                .ok_or_else(|| missing("LKA_TEST_REDIS_URL", "redis")),
            "mongo" => self
                .mongo
                .clone()
                .map(|url| Target::Mongo { url })
                .ok_or_else(|| missing("LKA_TEST_MONGO_URL", "mongo")),
            "sqlite" => Ok(Target::Sqlite),
            other => Err(format!("no database named {other}")),
        }
    }
}
