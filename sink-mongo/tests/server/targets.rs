//! Compliance targets for the suites: each case in a fresh database, all of them dropped
//! after the run.

use std::sync::{Arc, Mutex};

use analytics_core::{
    testkit::{ComplianceTarget, TargetFactory},
    Record,
};

use crate::probe::{client, fresh_database_name, registered_sink, MongoProbe};

/// The databases of one suite run on the server at `url`.
pub struct FreshDatabases {
    url: String,
    names: Arc<Mutex<Vec<String>>>,
}

impl FreshDatabases {
    pub fn new(url: &str) -> FreshDatabases {
        FreshDatabases {
            url: url.to_owned(),
            names: Arc::default(),
        }
    }

    /// A target in a new database per case, with `spoil` for the partial-failure case.
    pub fn factory(&self, spoil: fn(Record) -> Record) -> TargetFactory {
        let url = self.url.clone();
        let names = self.names.clone();
        Box::new(move || {
            let url = url.clone();
            let names = names.clone();
            Box::pin(async move {
                let name = fresh_database_name();
                names.lock().expect("not poisoned").push(name.clone());
                ComplianceTarget {
                    sink: registered_sink(&url, &name),
                    probe: Some(Arc::new(MongoProbe {
                        database: client(&url).await.database(&name),
                    })),
                    spoil,
                }
            })
        })
    }

    /// Drops every database the factory made.
    pub async fn drop_all(self) {
        let client = client(&self.url).await;
        let names = self.names.lock().expect("not poisoned").clone();
        for name in names {
            client
                .database(&name)
                .drop()
                .await
                .expect("test database dropped");
        }
    }
}
