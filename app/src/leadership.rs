//! Which of the `booking run` instances on one database does what only one
//! may do: long-poll each bot (Telegram answers a second poller of a token
//! with 409) and run the periodic jobs (`maintenance`).
//!
//! On SQLite there is one instance (the lock file), which holds every role
//! for its whole life. On PostgreSQL the instances contest each role
//! through `adapter_postgres::Leadership` (session advisory locks tried
//! every 2 s on the connection holding the shared run lock, given up when
//! that connection fails); a standby takes a role within one try of its
//! holder's end.
//!
//! Not a role: serving webhooks (every instance serves its routes) and
//! sending notices (every instance runs the dispatcher; the outbox decides
//! who sends what).

use adapter_postgres::{LeadershipSettings, Role};
use tokio::sync::watch;

/// The roles of this instance, until [`Leadership::stop`].
#[derive(Debug)]
pub struct Leadership {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    /// The only instance: every role, always. The sender is kept so that
    /// the receivers never see the channel closed.
    Alone(watch::Sender<bool>),
    Elected(adapter_postgres::Leadership),
}

/// The advisory-lock key of a bot's poller role. Fixed per bot name, so
/// instances of different releases agree, and readable in `pg_locks`
/// (`classid` 11, `objid` 1 for the client bot).
fn poller_key(bot: &str) -> i32 {
    match bot {
        "client" => 1,
        "admin" => 2,
        // Any other name: FNV-1a, stable across builds and releases.
        other => {
            let hash = other.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
                (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
            });
            i32::from_ne_bytes((hash | 0x100).to_ne_bytes())
        }
    }
}

impl Leadership {
    /// Starts holding or contesting the roles: the jobs, and polling each
    /// bot of `pollers` (the bots that take their updates by long polling).
    /// With `contested`, the PostgreSQL run lock shared with other
    /// instances, each role is tried once before it returns; without, this
    /// is the only instance (SQLite's lock file) and holds every role.
    pub async fn start(
        contested: Option<adapter_postgres::InstanceLock>,
        pollers: &[&'static str],
    ) -> Self {
        let inner = match contested {
            Some(lock) => {
                let roles: Vec<Role> = pollers
                    .iter()
                    .map(|bot| Role::Poller(poller_key(bot)))
                    .chain([Role::Jobs])
                    .collect();
                Inner::Elected(
                    adapter_postgres::Leadership::start(
                        lock,
                        &roles,
                        LeadershipSettings::default(),
                    )
                    .await,
                )
            }
            None => Inner::Alone(watch::Sender::new(true)),
        };
        Self { inner }
    }

    /// Whether this instance polls `bot`, as it changes. A bot whose role
    /// is not contested (it takes webhooks) reads as always held.
    pub fn poller(&self, bot: &'static str) -> RoleWatch {
        self.role(Role::Poller(poller_key(bot)))
    }

    /// Whether this instance runs the periodic jobs, as it changes.
    pub fn jobs(&self) -> RoleWatch {
        self.role(Role::Jobs)
    }

    fn role(&self, role: Role) -> RoleWatch {
        match &self.inner {
            Inner::Alone(held) => RoleWatch {
                held: held.subscribe(),
            },
            Inner::Elected(leadership) => leadership
                .watch(role)
                .map_or_else(RoleWatch::always, |held| RoleWatch { held }),
        }
    }

    /// Gives every role up and, on PostgreSQL, the run lock with them.
    pub async fn stop(self) {
        if let Inner::Elected(leadership) = self.inner {
            leadership.stop().await;
        }
    }
}

/// Whether this instance holds one role. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RoleWatch {
    held: watch::Receiver<bool>,
}

impl RoleWatch {
    /// A role held for good: for a single instance, and for tests and
    /// benchmarks that run parts of the service alone.
    pub fn always() -> Self {
        Self {
            // The sender's drop leaves the value readable; `until(true)`
            // still resolves at once and `until(false)` never does.
            held: watch::channel(true).1,
        }
    }

    /// Whether the role is held now.
    pub fn holds(&self) -> bool {
        *self.held.borrow()
    }

    /// Resolves once the role is (or already was) `held`, or never when
    /// that can no longer change (the leadership stopped).
    pub async fn until(&mut self, held: bool) {
        if self.held.wait_for(|h| *h == held).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Waits for `every` and resolves when the role is held at that tick:
    /// for periodic work that only the holder does.
    pub async fn tick_while_held(&self, every: &mut tokio::time::Interval) {
        loop {
            every.tick().await;
            if self.holds() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn bots_have_fixed_readable_keys_and_others_stable_ones() {
        assert_eq!(poller_key("client"), 1);
        assert_eq!(poller_key("admin"), 2);
        assert_eq!(poller_key("other"), poller_key("other"));
        assert!(!matches!(poller_key("other"), 1 | 2));
    }

    #[tokio::test]
    async fn a_role_held_for_good_is_held_and_never_lost() {
        let mut role = RoleWatch::always();
        assert!(role.holds());
        role.until(true).await;
        let lost = tokio::time::timeout(Duration::from_millis(10), role.until(false)).await;
        assert!(lost.is_err(), "never lost");
    }
}
