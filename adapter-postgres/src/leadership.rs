//! Roles that one `booking run` instance holds at a time among those on
//! one database: polling a bot (Telegram answers a second poller of one
//! token with 409) and the periodic jobs (purges, the lifecycle sweep).
//!
//! Each role is a session advisory lock (class 11 with the bot's key for a
//! poller, class 12 key 0 for the jobs) on the connection that already
//! holds the instance's shared run lock ([`InstanceLock`]). A background
//! task tries every role this instance does not hold every
//! [`LeadershipSettings::try_every`] and pings the connection every
//! [`LeadershipSettings::ping_every`]. The server releases the locks when
//! the session ends: a killed instance's roles are free at once (its socket
//! closes), and another instance takes them at its next try.
//!
//! When a ping or a try fails, or does not answer within
//! [`LeadershipSettings::answer_within`], the instance can no longer tell
//! whether it still holds its roles, so it gives them all up at once and
//! tells the app; then it reconnects, takes the shared run lock again and
//! competes like any standby. Giving up first is the safe order: for a
//! moment nobody polls, rather than two instances at once.
//!
//! Who holds what is published per role through a [`watch`] channel.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnection, PgPool};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{MissedTickBehavior, interval, timeout};

use crate::locks::{InstanceLock, keep_alive};
use crate::sql;

/// A role one instance holds at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Long polling the bot with this key (advisory lock `(11, key)`).
    Poller(i32),
    /// The periodic jobs (advisory lock `(12, 0)`).
    Jobs,
}

impl Role {
    /// The advisory lock's two keys.
    fn lock_keys(self) -> (i32, i32) {
        match self {
            Self::Poller(bot) => (11, bot),
            Self::Jobs => (12, 0),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Poller(bot) => write!(f, "poller of bot {bot}"),
            Self::Jobs => f.write_str("periodic jobs"),
        }
    }
}

/// How often roles are tried and the connection checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadershipSettings {
    /// Between two tries of the roles not held: how long a freed role can
    /// stay without a holder. Default 2 s.
    pub try_every: Duration,
    /// Between two pings of the lock connection: how long an instance may
    /// act on roles it lost with its connection. Default 1 s.
    pub ping_every: Duration,
    /// A ping or try not answered within this is a lost connection.
    /// Default 5 s.
    pub answer_within: Duration,
}

impl Default for LeadershipSettings {
    fn default() -> Self {
        Self {
            try_every: Duration::from_secs(2),
            ping_every: Duration::from_secs(1),
            answer_within: Duration::from_secs(5),
        }
    }
}

/// The roles of one instance, contested in the background until
/// [`Leadership::stop`].
#[derive(Debug)]
pub struct Leadership {
    held: BTreeMap<Role, watch::Receiver<bool>>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Leadership {
    /// Starts contesting `roles` on `lock`'s connection: tries each once
    /// before it returns (so an instance alone holds them all from the
    /// start), then keeps trying in a spawned task.
    pub async fn start(lock: InstanceLock, roles: &[Role], settings: LeadershipSettings) -> Self {
        let mut held = BTreeMap::new();
        let mut senders = Vec::new();
        for &role in roles {
            let (sender, receiver) = watch::channel(false);
            held.insert(role, receiver);
            senders.push((role, sender));
        }
        let (stop, stopped) = oneshot::channel();
        let mut contest = Contest {
            connection: Some(lock.connection),
            pool: lock.pool,
            roles: senders,
            settings,
        };
        contest.try_roles().await;
        let task = tokio::spawn(contest.run(stopped));
        Self { held, stop, task }
    }

    /// Whether this instance holds `role`, as it changes; `None` for a
    /// role not contested.
    pub fn watch(&self, role: Role) -> Option<watch::Receiver<bool>> {
        self.held.get(&role).cloned()
    }

    /// Gives every role up and ends the connection (and with it the run
    /// lock), so a standby takes over at its next try.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the leadership task ended abnormally");
        }
    }
}

/// The background task's state.
struct Contest {
    /// The session holding the shared run lock and the roles; `None` after
    /// it was lost, until a new one holds the run lock again.
    connection: Option<PgConnection>,
    pool: PgPool,
    roles: Vec<(Role, watch::Sender<bool>)>,
    settings: LeadershipSettings,
}

impl Contest {
    async fn run(mut self, mut stopped: oneshot::Receiver<()>) {
        let mut tries = interval(self.settings.try_every);
        let mut pings = interval(self.settings.ping_every);
        tries.set_missed_tick_behavior(MissedTickBehavior::Delay);
        pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = &mut stopped => break,
                _ = pings.tick() => self.ping().await,
                _ = tries.tick() => self.try_roles().await,
            }
        }
        self.give_up();
        if let Some(connection) = self.connection.take() {
            let _ = timeout(self.settings.answer_within, connection.close()).await;
        }
    }

    async fn ping(&mut self) {
        let Some(connection) = self.connection.as_mut() else {
            return;
        };
        let answer = timeout(
            self.settings.answer_within,
            sqlx::query(sql::PING).fetch_one(connection),
        )
        .await;
        if !matches!(answer, Ok(Ok(_))) {
            self.lost("the database did not answer a ping");
        }
    }

    async fn try_roles(&mut self) {
        let Some(connection) = self.connection.as_mut() else {
            self.reconnect().await;
            return;
        };
        let mut failed = false;
        for (role, held) in &self.roles {
            if *held.borrow() {
                continue;
            }
            let (class, key) = role.lock_keys();
            let taken = timeout(
                self.settings.answer_within,
                sqlx::query_scalar::<_, bool>(sql::TRY_ROLE_LOCK)
                    .bind(class)
                    .bind(key)
                    .fetch_one(&mut *connection),
            )
            .await;
            match taken {
                Ok(Ok(true)) => {
                    tracing::info!(role = %role, "this instance took a role");
                    held.send_replace(true);
                }
                Ok(Ok(false)) => {}
                Ok(Err(_)) | Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        if failed {
            self.lost("trying a role failed");
        }
    }

    /// The connection can no longer be trusted: every role is given up
    /// first, then the connection dropped (which ends the session when the
    /// server still has it).
    fn lost(&mut self, why: &'static str) {
        let held: Vec<String> = self.held_roles();
        tracing::warn!(
            why,
            roles = ?held,
            "lost the connection holding this instance's run lock; it holds no role until it reconnects"
        );
        self.give_up();
        self.connection = None;
    }

    fn held_roles(&self) -> Vec<String> {
        self.roles
            .iter()
            .filter(|(_, held)| *held.borrow())
            .map(|(role, _)| role.to_string())
            .collect()
    }

    fn give_up(&self) {
        for (_, held) in &self.roles {
            held.send_if_modified(|held| std::mem::replace(held, false));
        }
    }

    /// A new session with the shared run lock, or none yet (the server is
    /// unreachable, or a command holds the lock exclusively).
    async fn reconnect(&mut self) {
        let attempt = async {
            let mut connection = self.pool.acquire().await?.detach();
            keep_alive(&mut connection).await?;
            let shared: bool = sqlx::query_scalar(sql::TRY_RUN_LOCK_SHARED)
                .fetch_one(&mut connection)
                .await?;
            Ok::<_, sqlx::Error>(shared.then_some(connection))
        };
        match timeout(self.settings.answer_within, attempt).await {
            Ok(Ok(Some(connection))) => {
                tracing::info!(
                    "reconnected to the database: this instance competes for roles again"
                );
                self.connection = Some(connection);
            }
            Ok(Ok(None)) => {
                tracing::warn!(
                    "a command holds the database's run lock: this instance takes no role until it ends"
                );
            }
            Ok(Err(_)) | Err(_) => {
                tracing::debug!("the database is still unreachable");
            }
        }
    }
}

#[cfg(all(test, feature = "test-db"))]
// Its helpers are not `#[test]` functions, which clippy's test allowance
// covers: a failed expectation there is a failed test too.
#[allow(clippy::expect_used)]
mod tests {
    use std::time::Duration;

    use tokio::sync::watch;

    use super::*;
    use crate::PgStore;
    use crate::testing::PgTestDb;

    /// A safety net against a hung test, nothing more.
    const GIVE_UP: Duration = Duration::from_secs(60);

    fn quick() -> LeadershipSettings {
        LeadershipSettings {
            try_every: Duration::from_millis(50),
            ping_every: Duration::from_millis(50),
            answer_within: Duration::from_secs(5),
        }
    }

    async fn becomes(held: &mut watch::Receiver<bool>, wanted: bool) {
        timeout(GIVE_UP, held.wait_for(|h| *h == wanted))
            .await
            .expect("the role never changed hands")
            .expect("the leadership task ended");
    }

    /// Which of two watches leads, once one does.
    async fn leader(
        first: &mut watch::Receiver<bool>,
        second: &mut watch::Receiver<bool>,
    ) -> usize {
        timeout(GIVE_UP, async {
            tokio::select! {
                _ = first.wait_for(|h| *h) => 0,
                _ = second.wait_for(|h| *h) => 1,
            }
        })
        .await
        .expect("nobody took the role")
    }

    #[tokio::test]
    async fn one_of_two_instances_holds_each_role_and_a_standby_takes_over_when_it_stops() {
        let db = PgTestDb::create().await;
        let roles = [Role::Jobs, Role::Poller(1)];
        let (store, first_lock) = PgStore::open_instance(&db.settings()).await.unwrap();
        let (other, second_lock) = PgStore::open_instance(&db.settings()).await.unwrap();
        let first = Leadership::start(first_lock, &roles, quick()).await;
        let second = Leadership::start(second_lock, &roles, quick()).await;
        let mut jobs = [
            first.watch(Role::Jobs).unwrap(),
            second.watch(Role::Jobs).unwrap(),
        ];

        let [a, b] = &mut jobs;
        let leading = leader(a, b).await;

        assert!(!*jobs[1 - leading].borrow(), "never both");
        let (leader, standby) = if leading == 0 {
            (first, second)
        } else {
            (second, first)
        };
        leader.stop().await;
        let mut standby_jobs = standby.watch(Role::Jobs).unwrap();
        becomes(&mut standby_jobs, true).await;
        let mut standby_poller = standby.watch(Role::Poller(1)).unwrap();
        becomes(&mut standby_poller, true).await;
        assert!(standby.watch(Role::Poller(2)).is_none());
        standby.stop().await;
        store.close().await;
        other.close().await;
    }

    #[tokio::test]
    async fn a_leader_whose_connection_dies_gives_its_roles_up_and_another_takes_them() {
        let db = PgTestDb::create().await;
        let (store, first_lock) = PgStore::open_instance(&db.settings()).await.unwrap();
        let first = Leadership::start(first_lock, &[Role::Jobs], quick()).await;
        let mut first_jobs = first.watch(Role::Jobs).unwrap();
        becomes(&mut first_jobs, true).await;
        let (other, second_lock) = PgStore::open_instance(&db.settings()).await.unwrap();
        let second = Leadership::start(second_lock, &[Role::Jobs], quick()).await;
        let mut second_jobs = second.watch(Role::Jobs).unwrap();

        // The server ends the leader's session, as when its network or
        // the server's side of its connection fails.
        let mut admin = db.raw_connection().await;
        let ended: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_locks \
             WHERE locktype = 'advisory' AND classid = 12 AND objid = 0 AND granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .fetch_all(&mut admin)
        .await
        .unwrap();
        assert_eq!(ended, [true]);

        becomes(&mut first_jobs, false).await;
        becomes(&mut second_jobs, true).await;
        // The first reconnects as a standby: the role stays with the second.
        let mut admin_sessions = 0;
        timeout(GIVE_UP, async {
            while admin_sessions < 2 {
                admin_sessions = sqlx::query_scalar::<_, i64>(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 10 \
                     AND mode = 'ShareLock' AND granted \
                     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                )
                .fetch_one(&mut admin)
                .await
                .unwrap();
                // Polling the server's view, not a timing assumption.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the first instance never took the run lock again");
        assert!(!*first_jobs.borrow());
        first.stop().await;
        second.stop().await;
        store.close().await;
        other.close().await;
    }
}
